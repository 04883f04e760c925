using Microsoft.Playwright;

namespace AgentRetrieval.Tests;

/// <summary>The page in Debian's Chromium driven by Playwright, against a real Kestrel server on loopback.</summary>
public sealed class ChatPageBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static async Task<(IPlaywright, IBrowser)> LaunchAsync()
    {
        if (!File.Exists(Chromium))
        {
            string message = $"Browser tests need Debian's Chromium at {Chromium} (apt-get install chromium); .ci/run installs it.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
        }

        IPlaywright playwright = await Playwright.CreateAsync();
        IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }

    /// <summary>A new page on the test bed's start page, once the library has loaded.</summary>
    private static async Task<IPage> OpenAsync(IBrowser browser, WebTestBed bed, int width = 1280, ColorScheme scheme = ColorScheme.Light)
    {
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = 900 }, ColorScheme = scheme, BypassCSP = true });
        await page.GotoAsync(bed.BaseUrl);
        await page.WaitForFunctionAsync("() => document.getElementById('library-summary').textContent.includes('30 photos')");
        return page;
    }

    /// <summary>Clicks something that starts a turn (feedback, undo), then waits for that turn's answer to be complete.</summary>
    private static async Task ClickAndWaitForTurnAsync(IPage page, ILocator target)
    {
        int answers = await page.Locator(".msg.assistant").CountAsync();
        await target.ClickAsync();
        // The turn starts only after the feedback request returns: wait for its answer bubble, then for its end.
        await page.WaitForFunctionAsync($"() => document.querySelectorAll('.msg.assistant').length > {answers}");
        await WaitForTurnAsync(page);
    }

    private static async Task SendAsync(IPage page, string text)
    {
        await page.FillAsync("#message", text);
        await page.PressAsync("#message", "Enter");
        await WaitForTurnAsync(page);
    }

    private static async Task WaitForTurnAsync(IPage page)
    {
        await page.WaitForFunctionAsync("() => !document.querySelector('[data-streaming]') && !document.getElementById('send').disabled");
    }

    /// <summary>axe-core's findings of impact serious or critical on the page as it is now, one line each.</summary>
    private static async Task<List<string>> AxeAsync(IPage page, string where)
    {
        string axe = Path.Combine(SharedFixtures.RepositoryRoot, ".agentretrieval", "test-npm", "node_modules", "axe-core", "axe.min.js");
        if (!File.Exists(axe))
        {
            string message = $"The accessibility check needs axe-core at {axe}: run 'npm install --prefix .agentretrieval/test-npm axe-core@4.14.1' (.ci/run does).";
            Assert.SkipWhen(!string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), message);
            Assert.Fail(message + " In CI it must be present.");
        }

        // Injected as a script tag with its content: the page's Content-Security-Policy is bypassed by Playwright for this.
        await page.AddScriptTagAsync(new PageAddScriptTagOptions { Content = await File.ReadAllTextAsync(axe) });
        string json = await page.EvaluateAsync<string>("""
            async () => {
              const r = await axe.run(document, { resultTypes: ['violations'] });
              return JSON.stringify(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5) })));
            }
            """);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var all = doc.RootElement.EnumerateArray().Select(v => $"{where}: {v.GetProperty("impact").GetString()} {v.GetProperty("id").GetString()} ({v.GetProperty("help").GetString()}) at {string.Join(", ", v.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()))}").ToList();
        foreach (string line in all)
        {
            TestContext.Current.TestOutputHelper?.WriteLine("axe " + line);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"axe {where}: {all.Count} violation(s) of any impact");
        return [.. all.Where(l => l.Contains(": serious ", StringComparison.Ordinal) || l.Contains(": critical ", StringComparison.Ordinal))];
    }

    [Fact]
    public async Task Accessibility_StartResultsAndViewer_NoSeriousOrCriticalViolations()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: false);
        (IPlaywright playwright, IBrowser browser) = await LaunchAsync();
        using (playwright)
        await using (browser)
        {
            var problems = new List<string>();
            foreach (string scheme in new[] { "light", "dark" })
            {
                IPage page = await OpenAsync(browser, bed, scheme: scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light);
                problems.AddRange(await AxeAsync(page, $"start page ({scheme})"));

                await SendAsync(page, "a cat");
                await page.Locator(".msg.assistant .how summary").Last.ClickAsync();
                problems.AddRange(await AxeAsync(page, $"results ({scheme})"));

                await page.Locator("#results .card .thumb").First.ClickAsync();
                await page.WaitForFunctionAsync("() => document.getElementById('viewer').open");
                problems.AddRange(await AxeAsync(page, $"viewer ({scheme})"));
                await page.CloseAsync();
            }

            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
    }

    [Fact]
    public async Task ShowMore_PagesThroughEveryRankedCandidate()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: false);
        (IPlaywright playwright, IBrowser browser) = await LaunchAsync();
        using (playwright)
        await using (browser)
        {
            IPage page = await OpenAsync(browser, bed);
            await SendAsync(page, "a cat");
            Assert.Equal(10, await page.Locator("#results .card").CountAsync());
            Assert.Equal("Show more (20 more)", await page.TextContentAsync("#show-more"));

            await page.ClickAsync("#show-more");
            await page.WaitForFunctionAsync("() => document.querySelectorAll('#results .card').length === 30");
            Assert.True(await page.IsHiddenAsync("#show-more"));
            string[] ranks = [.. await page.Locator("#results .card .rank").AllTextContentsAsync()];
            Assert.Equal(Enumerable.Range(1, 30).Select(i => $"#{i}"), ranks);
            Assert.Equal(30, (await page.Locator("#results .card").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.id)")).Distinct().Count());

            // The viewer steps through all of them, and feedback works on a card of the second page.
            await page.Locator("#results .card .thumb").Nth(25).ClickAsync();
            Assert.Equal("26 of 30", await page.TextContentAsync("#viewer-position"));
            await page.ClickAsync("#viewer-close");
            await ClickAndWaitForTurnAsync(page, page.Locator("#results .card .like").Nth(25));
            Assert.True(await page.Locator("#error").IsHiddenAsync());
            Assert.Contains("1 liked", await page.Locator(".msg.assistant .how ol").Last.TextContentAsync());
        }
    }

    [Fact]
    public async Task Viewer_ShowsThePathAndActsOnThePhoto()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: false);
        (IPlaywright playwright, IBrowser browser) = await LaunchAsync();
        using (playwright)
        await using (browser)
        {
            IPage page = await OpenAsync(browser, bed);
            await SendAsync(page, "a cat");
            string name = (await page.Locator("#results .card .name").Nth(2).TextContentAsync())!;
            await page.Locator("#results .card .thumb").Nth(2).ClickAsync();
            await page.WaitForFunctionAsync("() => document.getElementById('viewer').open");

            string path = (await page.TextContentAsync("#viewer-path"))!;
            Assert.True(Path.IsPathRooted(path) && path.EndsWith("/" + name, StringComparison.Ordinal), path);
            await page.ClickAsync("#viewer-copy");
            await page.WaitForFunctionAsync("() => document.getElementById('viewer-copied').textContent.length > 0");
            Assert.Matches("Path (copied|selected)", await page.TextContentAsync("#viewer-copied"));
            Screenshots.Save("viewer-1280.png", await page.ScreenshotAsync());
            // The photo's facts include its size in pixels.
            Assert.Matches(@"\d+ × \d+ px", (await page.TextContentAsync("#viewer-facts"))!);
            await page.SetViewportSizeAsync(390, 844);
            Screenshots.Save("viewer-390.png", await page.ScreenshotAsync());
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "no horizontal scroll in the viewer at 390 px");
            await page.SetViewportSizeAsync(1280, 900);

            await ClickAndWaitForTurnAsync(page, page.Locator("#viewer-not"));
            Assert.False(await page.EvaluateAsync<bool>("() => document.getElementById('viewer').open"));
            Assert.StartsWith($"Not this: {name}", (await page.Locator(".msg.feedback").Last.TextContentAsync())!);
            Assert.DoesNotContain(name, await page.Locator("#results .card .name").AllTextContentsAsync());
        }
    }

    [Fact]
    public async Task Feedback_IsATurnOfItsOwn_AndUndoTakesItBack()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: false);
        (IPlaywright playwright, IBrowser browser) = await LaunchAsync();
        using (playwright)
        await using (browser)
        {
            IPage page = await OpenAsync(browser, bed);
            await SendAsync(page, "a cat");
            string name = (await page.Locator("#results .card .name").Nth(1).TextContentAsync())!;

            await ClickAndWaitForTurnAsync(page, page.Locator("#results .card .like").Nth(1));
            Assert.Equal($"Liked {name} Undo", (await page.Locator(".msg.feedback").Last.TextContentAsync())!.Trim());
            Assert.Contains("1 liked", await page.Locator(".msg.assistant .how ol").Last.TextContentAsync());

            await ClickAndWaitForTurnAsync(page, page.Locator(".msg.feedback .undo"));
            Assert.Contains("(undone)", await page.Locator(".msg.feedback").Last.TextContentAsync());
            Assert.DoesNotContain("liked", await page.Locator(".msg.assistant .how ol").Last.TextContentAsync());
            Assert.Equal(0, await page.Locator(".msg.feedback .undo").CountAsync());
        }
    }

    [Fact]
    public async Task StartPage_LibraryAtAGlanceExamplesAndNewestPhotos_GivesWayToTheConversation()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: false, modelNotice: "Searching with the offline default model. Install CLIP with: agentretrieval models pull clip-vit-base-patch32");
        (IPlaywright playwright, IBrowser browser) = await LaunchAsync();
        using (playwright)
        await using (browser)
        {
            foreach (int width in new[] { 1280, 390, 360 })
            {
                var errors = new List<string>();
                IPage page = await OpenAsync(browser, bed, width);
                page.PageError += (_, e) => errors.Add(e);

                // The library at a glance, the model's note with the command that installs CLIP, requests made from the
                // library itself, the newest photos.
                Assert.True(await page.IsVisibleAsync("#start"));
                Assert.Contains("models pull clip-vit-base-patch32", await page.TextContentAsync("#model-notice"));
                string[] examples = [.. await page.Locator("#examples button").AllTextContentsAsync()];
                Assert.True(examples.Length >= 2, string.Join(" | ", examples));
                Assert.Contains(examples, e => e.StartsWith("photos from 20", StringComparison.Ordinal));
                Assert.Equal(12, await page.Locator("#recent button img").CountAsync());
                Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"horizontal scroll at {width} px");
                byte[] shot = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
                Screenshots.Save($"start-page-{width}.png", shot);
                if (width != 1280)
                {
                    await page.CloseAsync();
                    continue;
                }

                // A newest photo opens in the viewer; an example request becomes a turn and the start page gives way.
                await page.ClickAsync("#recent button");
                await page.WaitForFunctionAsync("() => document.getElementById('viewer').open");
                await page.ClickAsync("#viewer-close");
                string example = examples[^1];
                await page.ClickAsync($"#examples button:text-is('{example}')");
                await WaitForTurnAsync(page);
                Assert.Equal(example, await page.TextContentAsync(".msg.user"));
                Assert.False(await page.IsVisibleAsync("#start"));
                Assert.True(await page.Locator("#results .card").CountAsync() > 0);

                // A new search brings it back.
                await page.ClickAsync("#new-search");
                await page.WaitForFunctionAsync("() => !document.getElementById('start').hidden");
                Assert.Equal(0, await page.Locator("#conversation .msg").CountAsync());
                Assert.Empty(errors);
                await page.CloseAsync();
            }
        }
    }

    [Fact]
    public async Task Conversation_QueryFeedbackUploadAndScriptCaption()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: false);
        (IPlaywright playwright, IBrowser browser) = await LaunchAsync();
        using (playwright)
        await using (browser)
        {
            IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });
            var errors = new List<string>();
            page.PageError += (_, e) => errors.Add(e);
            await page.GotoAsync(bed.BaseUrl);
            await page.WaitForFunctionAsync("() => document.getElementById('status-line').textContent.includes('30 images')");

            // A query: the answer streams in and the grid shows ranked thumbnails with the pick highlighted.
            await SendAsync(page, "an astronaut in a space suit");
            Assert.Equal(10, await page.Locator("#results .card").CountAsync());
            Assert.Equal(1, await page.Locator("#results .card.pick").CountAsync());
            Assert.Contains("Best match", await page.Locator(".msg.assistant").Last.TextContentAsync());
            // The answer is clean; how the search was done is folded away in "How I searched", stage by stage.
            string bubble = (await page.Locator(".msg.assistant").Last.EvaluateAsync<string>("e => e.firstChild.textContent"))!;
            Assert.DoesNotContain("retrieve:", bubble);
            Assert.DoesNotContain("rewrite:", bubble);
            Assert.False(await page.Locator(".msg.assistant .how ol").Last.IsVisibleAsync());
            await page.Locator(".msg.assistant .how summary").Last.ClickAsync();
            Assert.Contains("retrieve", await page.Locator(".msg.assistant .how ol").Last.TextContentAsync());
            Assert.Contains("Plan:", await page.Locator(".msg.assistant .how p").Last.TextContentAsync());
            Screenshots.Save("results-1280.png", await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true }));
            await page.WaitForFunctionAsync("() => document.getElementById('status-line').textContent.includes('30 images')");
            // The card's score is the answer's score, written the same way.
            string answerText = (await page.Locator(".msg.assistant").Last.TextContentAsync())!;
            string pickScore = (await page.Locator("#results .card.pick .score").TextContentAsync())!;
            Assert.Contains(System.Text.RegularExpressions.Regex.Match(answerText, @"score (\d\.\d{3})").Groups[1].Value, pickScore);
            await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#results img')].slice(0, 4).every(i => i.complete && i.naturalWidth > 0)");
            string firstBefore = (await page.Locator("#results .card").First.GetAttributeAsync("data-id"))!;

            // Thumbs-down on the first result: the next turn no longer shows it.
            await page.Locator("#results .card").First.Locator(".dislike").ClickAsync();
            await WaitForTurnAsync(page);
            await page.WaitForFunctionAsync($"() => document.querySelector('#results .card')?.dataset.id !== '{firstBefore}'");
            Assert.Equal(0, await page.Locator($"#results .card[data-id='{firstBefore}']").CountAsync());

            // A caption with markup is shown as text, never run.
            foreach ((long id, _) in bed.Index.ListImages())
            {
                bed.Index.SetCaption(id, "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">");
            }

            await SendAsync(page, "and a rocket");
            string? caption = await page.Locator("#results .card .caption").First.TextContentAsync();
            Assert.Contains("<script>window.__pwned = 1</script>", caption);
            Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__pwned"));

            // An uploaded image as the query.
            string upload = Path.Combine(SharedFixtures.ClipTiny, "images", "australia.jpg");
            await page.Locator("#upload").SetInputFilesAsync(upload);
            await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.msg.user')].some(m => m.textContent.includes('Search with the image australia.jpg'))");
            await WaitForTurnAsync(page);
            Assert.Equal(10, await page.Locator("#results .card").CountAsync());
            Assert.Equal(1, await page.Locator("#chips .chip[data-kind='image']").CountAsync());

            // Click to enlarge, Escape to close.
            await page.Locator("#results .card .thumb").First.ClickAsync();
            Assert.True(await page.Locator("#viewer").IsVisibleAsync());
            // Next and previous with the keyboard: the second card's image, then the first's again.
            string firstId = (await page.Locator("#results .card").Nth(0).GetAttributeAsync("data-id"))!;
            string secondId = (await page.Locator("#results .card").Nth(1).GetAttributeAsync("data-id"))!;
            Assert.EndsWith($"/api/images/{firstId}", await page.Locator("#viewer-image").GetAttributeAsync("src"));
            await page.Keyboard.PressAsync("ArrowRight");
            Assert.EndsWith($"/api/images/{secondId}", await page.Locator("#viewer-image").GetAttributeAsync("src"));
            Assert.StartsWith("2 of ", await page.Locator("#viewer-position").TextContentAsync());
            await page.Keyboard.PressAsync("ArrowLeft");
            Assert.EndsWith($"/api/images/{firstId}", await page.Locator("#viewer-image").GetAttributeAsync("src"));
            await page.Keyboard.PressAsync("Escape");
            Assert.False(await page.Locator("#viewer").IsVisibleAsync());

            // The image query is a turn of its own, and Undo takes it back (the search runs again without it).
            ILocator imageTurn = page.Locator(".msg.user", new PageLocatorOptions { HasText = "Search with the image australia.jpg" });
            await ClickAndWaitForTurnAsync(page, imageTurn.Locator("button.undo"));
            Assert.Contains("(undone)", await imageTurn.TextContentAsync());
            Assert.Equal(0, await page.Locator("#chips .chip[data-kind='image']").CountAsync());

            string artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
            Directory.CreateDirectory(artifacts);
            string shot = Path.Combine(artifacts, "chat-page-conversation.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = true });
            TestContext.Current.AddAttachment("chat-page-conversation.png", await File.ReadAllBytesAsync(shot, TestContext.Current.CancellationToken), "image/png");
            Assert.Empty(errors);

            // New search empties the page and the session goes on.
            await page.ClickAsync("#new-search");
            await page.WaitForFunctionAsync("() => document.querySelectorAll('#results .card').length === 0", null, new PageWaitForFunctionOptions { Timeout = 10_000 });
            Assert.Equal(0, await page.Locator("#results .card").CountAsync());
            await SendAsync(page, "coins");
            Assert.Equal(10, await page.Locator("#results .card").CountAsync());
        }
    }

    [Fact]
    public async Task IndexPanel_SmallFolder_HonestCounts()
    {
        using var dir = new TempDirectory();
        for (int i = 0; i < 3; i++)
        {
            File.WriteAllBytes(dir.Combine($"new{i}.png"), TestImages.Png(40, 30, (byte)(90 + i)));
        }

        File.WriteAllText(dir.Combine("broken.jpg"), "not an image");
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: false, o => o.IndexableFolders.Add(dir.Path));
        (IPlaywright playwright, IBrowser browser) = await LaunchAsync();
        using (playwright)
        await using (browser)
        {
            IPage page = await browser.NewPageAsync();
            await page.GotoAsync(bed.BaseUrl);
            await page.WaitForFunctionAsync("() => !document.getElementById('indexing').hidden");
            await page.Locator("#indexing summary").ClickAsync();
            await page.Locator("#index-form button").First.ClickAsync();
            await page.WaitForFunctionAsync("() => document.getElementById('index-status').textContent.startsWith('Done')", null, new PageWaitForFunctionOptions { Timeout = 60_000 });

            // 3 photos in this folder, not the 33 of the whole index.
            string status = (await page.Locator("#index-status").TextContentAsync())!;
            Assert.Contains("Done: 3 new", status);
            Assert.Contains("1 skipped", status);
            Assert.Contains("The index holds 33 images", status);
        }
    }

    [Fact]
    public async Task IndexPanel_LargeFolder_ABarPerPassMidRunWhileSearchingGoesOn()
    {
        using var dir = new TempDirectory();
        for (int i = 0; i < 500; i++)
        {
            File.WriteAllBytes(dir.Combine($"photo{i:000}.jpg"), TestImages.Jpeg(1000 + (i % 40), 750 + (i / 40), (byte)i));
        }

        File.WriteAllText(dir.Combine("broken.jpg"), "not an image");
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: false, o => o.IndexableFolders.Add(dir.Path));
        (IPlaywright playwright, IBrowser browser) = await LaunchAsync();
        using (playwright)
        await using (browser)
        {
            IPage page = await OpenAsync(browser, bed);
            await page.WaitForFunctionAsync("() => !document.getElementById('indexing').hidden");
            await page.Locator("#indexing summary").ClickAsync();
            await page.Locator("#index-form button").First.ClickAsync();

            // Mid-run: the vectors pass has its own labelled bar, partly filled, with a count, a rate and the time left.
            await page.WaitForFunctionAsync("() => { const b = document.getElementById('pass-vectors'); return b && b.value > 0 && b.value < b.max && /photos\\/s/.test(b.parentElement.textContent); }",
                null, new PageWaitForFunctionOptions { Timeout = 60_000 });
            Screenshots.Save("index-panel-mid-run-1280.png", await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true }));
            string row = (await page.Locator("#pass-vectors").Locator("xpath=..").TextContentAsync())!;
            Assert.Contains("Vectors (search)", row);
            Assert.Matches(@"\d+ of 501 files", row);
            Assert.Contains("left", row);
            Assert.Contains("you can go on searching", (await page.Locator("#index-status").TextContentAsync())!);

            // The page searches while the folder is being indexed.
            await SendAsync(page, "an astronaut");
            Assert.Equal(10, await page.Locator("#results .card").CountAsync());
            await page.SetViewportSizeAsync(390, 844);
            Screenshots.Save("index-panel-390.png", await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true }));
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "no horizontal scroll at 390 px");

            await page.WaitForFunctionAsync("() => document.getElementById('index-status').textContent.startsWith('Done')", null, new PageWaitForFunctionOptions { Timeout = 120_000 });
            string status = (await page.Locator("#index-status").TextContentAsync())!;
            Assert.Contains("Done: 500 new", status);
            Assert.Contains("1 skipped", status);
            Assert.Contains("broken.jpg", (await page.Locator("#index-skipped").TextContentAsync())!);
            // 501 files handled (the broken one among them), 500 of them photos now in the index.
            Assert.Contains("done: 501 of 501 files", (await page.Locator("#pass-vectors").Locator("xpath=..").TextContentAsync())!);
        }
    }

    [Fact]
    public async Task Chips_EditedInPlace_AndResultsSortedByDateUnderMonthHeadings()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: false);
        (IPlaywright playwright, IBrowser browser) = await LaunchAsync();
        using (playwright)
        await using (browser)
        {
            IPage page = await OpenAsync(browser, bed);
            await SendAsync(page, "a photo");

            // Date order: newest first, a heading per month, the viewer's next/previous in that order.
            await page.Locator("#sort button[data-sort='date']").ClickAsync();
            Assert.Equal("true", await page.Locator("#sort button[data-sort='date']").GetAttributeAsync("aria-pressed"));
            Assert.True(await page.Locator("#results .month").CountAsync() >= 2, "dated photos fall under more than one month");
            string[] dates = [.. (await page.Locator("#results .card .facts").AllTextContentsAsync()).Select(f => f.Length >= 10 && char.IsDigit(f[0]) ? f[..10] : "")];
            string[] dated = [.. dates.Where(d => d.Length > 0)];
            Assert.Equal(dated.OrderDescending(StringComparer.Ordinal), dated);
            Assert.True(Array.IndexOf(dates, "") < 0 || dates.Skip(Array.IndexOf(dates, "")).All(d => d.Length == 0), "undated photos come last");
            Screenshots.Save("results-by-date-1280.png", await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true }));
            await page.Locator("#sort button[data-sort='relevance']").ClickAsync();
            Assert.Equal(0, await page.Locator("#results .month").CountAsync());
            Assert.Equal("#1", await page.Locator("#results .card .rank").First.TextContentAsync());

            // A filter chip is edited where it is: its words go into the box with the value selected, and the new value replaces it.
            await SendAsync(page, "photos from 2012");
            ILocator chip = page.Locator("#chips .chip[data-kind='date']");
            Assert.Contains("2012", await chip.TextContentAsync());
            await chip.Locator(".chip-edit").ClickAsync();
            Assert.Equal("photos from 2012", await page.InputValueAsync("#message"));
            Assert.Equal("2012", await page.EvaluateAsync<string>("() => { const m = document.getElementById('message'); return m.value.slice(m.selectionStart, m.selectionEnd); }"));
            await page.Keyboard.TypeAsync("2011");
            await page.PressAsync("#message", "Enter");
            await WaitForTurnAsync(page);
            string edited = (await page.Locator("#chips .chip[data-kind='date']").TextContentAsync())!;
            Assert.Contains("2011", edited);
            Assert.DoesNotContain("2012", edited);
            Screenshots.Save("results-chips-1280.png", await page.ScreenshotAsync());
            await page.SetViewportSizeAsync(390, 844);
            Screenshots.Save("results-chips-390.png", await page.ScreenshotAsync());
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "no horizontal scroll at 390 px");
        }
    }

    [Fact]
    public async Task Errors_ShownInPage_AndConversationContinues()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: false);
        (IPlaywright playwright, IBrowser browser) = await LaunchAsync();
        using (playwright)
        await using (browser)
        {
            IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 390, Height = 844 } });
            await page.GotoAsync(bed.BaseUrl);
            await page.WaitForFunctionAsync("() => document.getElementById('status-line').textContent.includes('images')");

            string notImage = Path.Combine(Path.GetTempPath(), $"not-an-image-{Guid.NewGuid():N}.png");
            await File.WriteAllTextAsync(notImage, "hello", TestContext.Current.CancellationToken);
            await page.Locator("#upload").SetInputFilesAsync(notImage);
            await page.WaitForFunctionAsync("() => !document.getElementById('error').hidden");
            Assert.Contains("cannot be used as an image", await page.Locator("#error").TextContentAsync());
            File.Delete(notImage);

            await SendAsync(page, "a clock");
            Assert.True(await page.Locator("#error").IsHiddenAsync());
            Assert.Equal(10, await page.Locator("#results .card").CountAsync());
            double width = await page.EvaluateAsync<double>("() => document.documentElement.scrollWidth");
            Assert.True(width <= 390, $"the page is {width}px wide on a 390px phone screen");
            // File names stay on one line (an ellipsis, the whole name in the title): never broken mid-word.
            Assert.True(await page.EvaluateAsync<bool>(
                "() => [...document.querySelectorAll('#results .card .name')].every(e => e.getBoundingClientRect().height < parseFloat(getComputedStyle(e).fontSize) * 1.8 && e.title.length > 0)"));
            Screenshots.Save("results-390.png", await page.ScreenshotAsync());
        }
    }
}
