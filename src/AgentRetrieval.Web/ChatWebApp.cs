using System.Text.Json;
using AgentRetrieval.Agent;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Imaging;
using AgentRetrieval.Indexing;
using AgentRetrieval.Mcp;
using AgentRetrieval.Tools;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace AgentRetrieval.Web;

/// <summary>What the chat page runs on.</summary>
/// <param name="Agent">The retrieval agent.</param>
/// <param name="Index">The index (images are served by its catalogue ids only).</param>
/// <param name="Model">The encoders' identity.</param>
/// <param name="IndexerFactory">Makes an indexer for page-started indexing, or null to turn it off.</param>
/// <param name="LlmDescription">What LLM is configured ("none" without one).</param>
/// <param name="MaxPixels">The pixel limit for served images.</param>
/// <param name="Scope">The folders the page searches (the folder <c>serve</c> was given), or empty for the whole index.</param>
/// <param name="Tools">The image-search tools to serve over MCP at <c>/mcp</c> (Streamable HTTP), or null for no MCP endpoint.</param>
/// <param name="Watch">The folder watcher's status, when folders are watched.</param>
public sealed record ChatWebDependencies(RetrievalAgent Agent, EmbeddedImageIndex Index, ModelIdentity Model, Func<FolderIndexer>? IndexerFactory, string LlmDescription, long MaxPixels, IReadOnlyList<string>? Scope = null,
    ImageSearchTools? Tools = null, WatchStatus? Watch = null)
{
    /// <summary>A note about the model the start page shows (the weak offline default and the command that installs a real model), or null.</summary>
    public string? ModelNotice { get; init; }

    /// <summary>What runs after a page-started indexing run's vectors (the text-in-pictures pass), reporting its progress; null for nothing.</summary>
    public Func<IProgress<IndexProgress>, CancellationToken, Task>? FollowUpPasses { get; init; }

    /// <summary>The background describing pass's progress (serve with an LLM), shown in the indexing panel; null without one.</summary>
    public PassProgress? Descriptions { get; init; }
}

/// <summary>
/// The chat page: minimal APIs and static files. A turn streams server-sent events (stages, answer text, results);
/// images are served only by catalogue id, thumbnails are cached; uploads are size- and pixel-limited; sessions are
/// per browser tab and expire.
/// </summary>
public static class ChatWebApp
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>Builds the web application (not started).</summary>
    /// <param name="deps">What it runs on.</param>
    /// <param name="options">Page settings.</param>
    /// <param name="urls">Where to listen (default http://127.0.0.1:5080).</param>
    /// <param name="configure">Last changes to the builder (tests use the test server).</param>
    /// <returns>The application.</returns>
    public static WebApplication Build(ChatWebDependencies deps, WebOptions options, string? urls = null, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(deps);
        ArgumentNullException.ThrowIfNull(options);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(urls ?? "http://127.0.0.1:5080");
        builder.Services.Configure<Microsoft.AspNetCore.Http.Features.FormOptions>(o => o.MultipartBodyLengthLimit = options.MaxUploadBytes);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxUploadBytes + (64 * 1024));
        if (deps.Tools is not null)
        {
            // The same tools, resources and argument check as `agentretrieval mcp` on stdio; behind the same host and origin checks as the page.
            builder.Services.AddSingleton(deps.Tools);
            builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "agentretrieval", Version = "1.0" })
                .WithHttpTransport(o => o.Stateless = true)
                .WithAgentRetrieval();
        }

        configure?.Invoke(builder);
        WebApplication app = builder.Build();

        var sessions = new WebSessionStore(options, TimeProvider.System);
        var thumbnails = new ThumbnailCache(deps.Index, options, deps.MaxPixels);
        var job = new IndexJob();
        // A page-started run stops with the server, before the host disposes the model and the index it uses.
        app.Lifetime.ApplicationStopping.Register(() => job.Stop(TimeSpan.FromSeconds(30)));
        app.Lifetime.ApplicationStopped.Register(job.Dispose);

        HostGuard hosts = HostGuard.For(urls ?? "http://127.0.0.1:5080", options.AllowedHosts);
        app.Use(async (context, next) =>
        {
            // DNS rebinding: a page on another name that resolves to this machine must not reach the API.
            if (hosts.Refusal(context.Request) is { } refusal)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsJsonAsync(new { error = refusal });
                return;
            }

            IHeaderDictionary h = context.Response.Headers;
            h.XContentTypeOptions = "nosniff";
            h.ContentSecurityPolicy = "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
            h["Referrer-Policy"] = "no-referrer";
            await next(context);
        });
        string webRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var files = new PhysicalFileProvider(webRoot);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });

        if (deps.Tools is not null)
        {
            app.MapMcp("/mcp");
        }

        app.MapGet("/api/status", () => Results.Json(new
        {
            images = deps.Scope is { Count: > 0 } scope ? deps.Index.Match(new CatalogFilter(null, null, null, null, scope))?.Count ?? deps.Index.Count : deps.Index.Count,
            indexImages = deps.Index.Count,
            model = deps.Model.Key,
            llm = deps.LlmDescription,
            indexableFolders = deps.IndexerFactory is null ? [] : options.IndexableFolders,
            watching = deps.Watch?.Folders ?? [],
            activity = deps.Watch?.Activity,
            lastChange = deps.Watch?.Last,
        }, s_json));

        // The start page: the library at a glance, requests that fit it, the newest photos.
        app.MapGet("/api/library", () =>
        {
            LibraryOverview o = LibraryOverview.Build(deps.Index, deps.Scope);
            return Results.Json(new
            {
                photos = o.Photos,
                from = o.From?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                to = o.To?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                folders = o.Folders.Select(f => new { folder = f.Folder, photos = f.Photos }),
                places = o.Places,
                cameras = o.Cameras,
                examples = o.Examples,
                recent = o.Recent.Select(h => new
                {
                    id = h.Id,
                    name = Path.GetFileName(h.Path),
                    date = deps.Index.TakenAt(h.Id)?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                }),
                model = deps.Model.Name,
                modelNotice = deps.ModelNotice,
                // How far the describing pass has got (photos with a description by any model), and the LLM in use.
                described = deps.Index.DescribedCount(),
                llm = deps.LlmDescription,
            }, s_json);
        });

        app.MapPost("/api/sessions", () =>
        {
            (string id, WebSession session) = sessions.Create();
            session.Search.Scope = deps.Scope ?? [];
            return Results.Json(new { sessionId = id }, s_json);
        });

        app.MapPost("/api/sessions/{sessionId}/reset", (string sessionId) =>
        {
            WebSession? s = sessions.Get(sessionId);
            if (s is null)
            {
                return Expired();
            }

            s.Search.Reset();
            return Results.NoContent();
        });

        app.MapDelete("/api/sessions/{sessionId}/image", (string sessionId) =>
        {
            WebSession? s = sessions.Get(sessionId);
            if (s is null)
            {
                return Expired();
            }

            s.Search.SetQueryImage(null);
            return Results.NoContent();
        });

        app.MapPost("/api/sessions/{sessionId}/filters/drop", (string sessionId, DropFilterRequest request) =>
        {
            WebSession? s = sessions.Get(sessionId);
            if (s is null)
            {
                return Expired();
            }

            if (request.Kind is not ("date" or "place" or "camera" or "folder" or "text"))
            {
                return Problem(400, "kind must be date, place, camera, folder or text.");
            }

            s.Search.DroppedFilters.Add(request.Kind);
            return Results.NoContent();
        });

        app.MapPost("/api/sessions/{sessionId}/feedback", (string sessionId, FeedbackRequest request) =>
        {
            WebSession? s = sessions.Get(sessionId);
            if (s is null)
            {
                return Expired();
            }

            if (request.Kind == "undo")
            {
                // A disliked image is no longer shown, so an undo is checked against the feedback itself.
                return s.Search.ClearFeedback(request.Id) ? Results.NoContent() : Problem(400, "There is no feedback on that image to undo.");
            }

            if (!s.Search.LastResults.Any(r => r.Id == request.Id) && s.Search.LastTurn?.AllRanked.Any(r => r.Id == request.Id) != true)
            {
                return Problem(400, "Feedback is only for images shown in this conversation.");
            }

            switch (request.Kind)
            {
                case "like":
                    s.Search.Like(request.Id);
                    break;
                case "dislike":
                    s.Search.Dislike(request.Id);
                    break;
                case "more":
                    s.Search.AddMoreLike(request.Id);
                    break;
                default:
                    return Problem(400, "Feedback kind must be like, dislike, more or undo.");
            }

            return Results.NoContent();
        });

        // "Show more": the next page of the last turn's ranked candidates, numbered on from the first page.
        app.MapGet("/api/sessions/{sessionId}/results", (string sessionId, int? offset, int? count) =>
        {
            WebSession? s = sessions.Get(sessionId);
            if (s is null)
            {
                return Expired();
            }

            IReadOnlyList<Agent.RankedImage> all = s.Search.LastTurn?.AllRanked ?? [];
            int from = Math.Clamp(offset ?? 0, 0, all.Count), take = Math.Clamp(count ?? 20, 1, 100);
            return Results.Json(new { offset = from, total = all.Count, results = ResultItems([.. all.Skip(from).Take(take)], deps.Index, from) }, s_json);
        });

        app.MapPost("/api/sessions/{sessionId}/image", async (string sessionId, HttpRequest request) =>
        {
            WebSession? s = sessions.Get(sessionId);
            if (s is null)
            {
                return Expired();
            }

            if (request.ContentLength > options.MaxUploadBytes)
            {
                return Problem(413, $"The image is larger than {options.MaxUploadBytes / (1024 * 1024)} MB.");
            }

            if (!request.HasFormContentType)
            {
                return Problem(400, "Upload the image as multipart/form-data with a field named 'image'.");
            }

            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return Problem(413, $"The upload is larger than {options.MaxUploadBytes / (1024 * 1024)} MB.");
            }
            catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
            {
                return Problem(400, $"The upload is not well-formed multipart/form-data: {ex.Message}");
            }

            IFormFile? file = form.Files["image"];
            if (file is null || file.Length == 0)
            {
                return Problem(400, "No image in the upload (field 'image').");
            }

            if (file.Length > options.MaxUploadBytes)
            {
                return Problem(413, $"The image is larger than {options.MaxUploadBytes / (1024 * 1024)} MB.");
            }

            using var ms = new MemoryStream();
            await file.CopyToAsync(ms, request.HttpContext.RequestAborted);
            byte[] data = ms.ToArray();
            try
            {
                ImageLoader.EnsureWithinLimit(ImageLoader.Identify(data), options.MaxUploadPixels, "Web:MaxUploadPixels");
            }
            catch (InvalidImageException ex)
            {
                return Problem(400, "That file cannot be used as an image query: " + ex.Message);
            }

            s.Search.SetQueryImage(data);
            return Results.NoContent();
        }).DisableAntiforgery();

        app.MapPost("/api/sessions/{sessionId}/turns", async (string sessionId, TurnRequest request, HttpContext context) =>
        {
            WebSession? s = sessions.Get(sessionId);
            if (s is null)
            {
                await Expired().ExecuteAsync(context);
                return;
            }

            HttpResponse response = context.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            CancellationToken aborted = context.RequestAborted;
            await s.Gate.WaitAsync(aborted);
            try
            {
                await foreach (AgentUpdate update in deps.Agent.RunTurnStreamingAsync(s.Search, request.Message, aborted))
                {
                    switch (update)
                    {
                        case StageCompleted stage:
                            await SendAsync(response, "stage", Stage(stage.Report), aborted);
                            break;
                        case CandidatesRetrieved candidates:
                            await SendAsync(response, "candidates", new { results = ResultItems(candidates.Candidates, deps.Index) }, aborted);
                            break;
                        case AnswerDelta { IsStageSummary: true }:
                            // How the search was done goes to the page's "how I searched", not into the answer.
                            break;
                        case AnswerDelta delta:
                            await SendAsync(response, "delta", new { text = delta.Text }, aborted);
                            break;
                        case TurnCompleted done:
                            await SendAsync(response, "result", Result(done.Result, deps.Index, s.Search.QueryImage is not null), aborted);
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or InvalidImageException or ModelIdentityMismatchException)
            {
                // The conversation goes on: the page shows the error and the next message works.
                await SendAsync(response, "error", new { message = ex.Message }, aborted);
            }
            finally
            {
                s.Gate.Release();
            }
        });

        app.MapGet("/api/images/{id:long}/thumbnail", async (long id, HttpContext context) =>
        {
            byte[]? bytes;
            try
            {
                bytes = await thumbnails.GetAsync(id, context.RequestAborted);
            }
            catch (Exception ex) when (ex is IOException or InvalidImageException or UnauthorizedAccessException)
            {
                return Problem(404, "The image is no longer readable: " + ex.Message);
            }

            return bytes is null ? Problem(404, "No image with that id.") : Results.Bytes(bytes, "image/jpeg");
        });

        app.MapGet("/api/images/{id:long}", async (long id, HttpContext context) =>
        {
            CatalogEntry? entry = deps.Index.GetEntry(id);
            if (entry is null || entry.Paths.Count == 0 || !File.Exists(entry.Paths[0]))
            {
                return Problem(404, "No image with that id.");
            }

            string type = entry.Format switch
            {
                "PNG" => "image/png",
                "GIF" => "image/gif",
                "WEBP" => "image/webp",
                "AVIF" => "image/avif",
                "JPEG" => "image/jpeg",
                _ => "",
            };
            if (type.Length > 0)
            {
                return Results.File(entry.Paths[0], type);
            }

            // HEIC, RAW previews, TIFF and BMP: browsers do not show them, so they are sent as JPEG.
            try
            {
                byte[] data = await File.ReadAllBytesAsync(entry.Paths[0], context.RequestAborted);
                (byte[] bytes, string media) = ImageLoader.ToCommonFormat(data, deps.MaxPixels);
                return Results.Bytes(bytes, media);
            }
            catch (Exception ex) when (ex is IOException or InvalidImageException or UnauthorizedAccessException)
            {
                return Problem(404, "The image is no longer readable: " + ex.Message);
            }
        });

        app.MapPost("/api/index", (IndexRequest request) =>
        {
            if (deps.IndexerFactory is null || options.IndexableFolders.Count == 0)
            {
                return Problem(403, "Indexing from the page is off (no Web:IndexableFolders configured).");
            }

            string? folder = PathGuard.Resolve(request.Folder, options.IndexableFolders, out string why);
            if (folder is null || !Directory.Exists(folder))
            {
                return Problem(403, folder is null ? $"Refused: {why}." : "That folder does not exist.");
            }

            return job.TryStart(folder, (progress, ct) => deps.IndexerFactory().IndexAsync(folder, [.. options.IndexableFolders], progress, ct), deps.FollowUpPasses)
                ? Results.Accepted("/api/index")
                : Problem(409, "An indexing run is already going.");
        });

        app.MapGet("/api/index", () => Results.Json(new
        {
            running = job.Running,
            folder = job.Folder,
            error = job.Error,
            // Each pass with its own bar, rate and time left; the describing pass runs in the background of its own.
            passes = job.Passes.Select(p => p.Snapshot()).Concat(deps.Descriptions is { } d ? [d.Snapshot()] : []),
            described = deps.Index.DescribedCount(),
            report = job.Report is null ? null : new
            {
                job.Report.Embedded, job.Report.Reused, job.Report.Unchanged, job.Report.Removed, skipped = job.Report.Skipped.Count, job.Report.IndexedImages,
                // Why files were skipped (the first twenty; names only, set as text by the page).
                skippedFiles = job.Report.Skipped.Take(20).Select(s => new { name = Path.GetFileName(s.Path), reason = s.Reason }),
            },
        }, s_json));

        // Only under /api: elsewhere the static files answer (a fallback would hide them).
        app.MapFallback("/api/{**path}", () => Problem(404, "Not found."));
        return app;
    }

    private static IResult Expired() => Problem(404, "This search session has expired; start a new search.");

    private static IResult Problem(int status, string message) => Results.Json(new { error = message }, s_json, statusCode: status);

    private static object Stage(StageReport s) => new { stage = s.Stage, ran = s.Ran, degraded = s.Degraded, detail = s.Detail, ms = Math.Round(s.Elapsed.TotalMilliseconds, 1) };

    private static object Result(AgentTurnResult r, EmbeddedImageIndex index, bool imageQuery) => new
    {
        query = r.Query,
        imageQuery,
        plan = r.Plan.Describe(),
        chips = Chips(r.Plan),
        totalMatches = r.TotalMatches,
        answer = r.AnswerWithoutStages,
        stageSummary = r.StageSummary.Trim(),
        reason = r.Reason,
        noMatch = r.NoMatch,
        clarifyingQuestion = r.ClarifyingQuestion,
        degraded = r.Degraded,
        pick = r.Pick?.Id,
        stages = r.Stages.Select(Stage),
        cascade = r.Cascade?.ToJson(),
        results = ResultItems(r.Results, index),
        more = Math.Max(0, r.AllRanked.Count - r.Results.Count),
    };

    /// <summary>The active plan as chips: kind (what a removal drops), a label, and the words that state it again (to edit it).</summary>
    private static List<object> Chips(Planning.SearchPlan plan)
    {
        var chips = new List<object>();
        if (plan.Date is { } d)
        {
            chips.Add(new { kind = "date", label = $"{d.Label} ({d.IsoRange})", edit = $"photos from {d.Label}" });
        }

        if (plan.Place is { } p)
        {
            chips.Add(new { kind = "place", label = p.DisplayName + (p.AlsoAWord ? " (also a word)" : ""), edit = $"in {p.DisplayName}" });
        }

        if (plan.Camera is { } c)
        {
            chips.Add(new { kind = "camera", label = c.DisplayName, edit = $"taken with a {c.DisplayName}" });
        }

        if (plan.Folder is { } f)
        {
            chips.Add(new { kind = "folder", label = "folder " + f, edit = $"in the folder {f}" });
        }

        foreach (string t in plan.TextInImage)
        {
            chips.Add(new { kind = "text", label = $"text \"{t}\"", edit = $"with the text \"{t}\"" });
        }

        foreach (string n in plan.NegativeTerms)
        {
            chips.Add(new { kind = "negative", label = "not " + n, edit = "not " + n });
        }

        return chips;
    }

    private static IEnumerable<object> ResultItems(IReadOnlyList<RankedImage> results, EmbeddedImageIndex index, int offset = 0) => results.Select((x, i) =>
    {
        Search.PhotoDetails? d = Search.PhotoDetails.Of(index, x.Id);
        return new
        {
            rank = offset + i + 1,
            id = x.Id,
            name = Path.GetFileName(x.Path),
            // The whole path, for the viewer's "copy path" (the page is served to this machine only; images themselves
            // are still fetched by id).
            path = x.Path,
            also = x.AlsoAt.Select(Path.GetFileName),
            // One score, rounded once, as the answer text writes it (0.000).
            score = Math.Round(x.FinalScore, 3, MidpointRounding.AwayFromZero),
            retrieval = Math.Round(x.RetrievalScore, 4),
            llm = x.LlmScore,
            caption = x.Caption,
            taken = d?.TakenAtIso,
            place = d?.Place,
            camera = d?.Camera,
            text = d?.Text,
            description = d?.Description,
            width = d?.Width,
            height = d?.Height,
        };
    });

    private static async Task SendAsync(HttpResponse response, string name, object data, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(data, s_json)}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}

/// <summary>A chat turn.</summary>
/// <param name="Message">The user's message (may be empty after feedback or an image upload).</param>
public sealed record TurnRequest(string? Message);

/// <summary>Feedback on a shown image.</summary>
/// <param name="Id">The catalogue id.</param>
/// <param name="Kind">like, dislike or more.</param>
public sealed record FeedbackRequest(long Id, string Kind);

/// <summary>A filter to drop from the session's plan.</summary>
/// <param name="Kind">date, place, camera, folder or text.</param>
public sealed record DropFilterRequest(string Kind);

/// <summary>A folder to index.</summary>
/// <param name="Folder">An absolute path inside a configured folder.</param>
public sealed record IndexRequest(string Folder);
