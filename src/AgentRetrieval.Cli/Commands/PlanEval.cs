using AgentRetrieval.Cli.Hosting;
using AgentRetrieval.Planning;
using Spectre.Console;

namespace AgentRetrieval.Cli.Commands;

/// <summary><c>agentretrieval eval --plans</c>: the labelled search-plan requests as a table.</summary>
internal static class PlanEval
{
    /// <summary>The labelled set that ships with the program.</summary>
    public static string DefaultCases => Path.Combine(AppContext.BaseDirectory, "eval", "plan-cases.json");

    public static int Run(string? path, bool json)
    {
        string file = path ?? DefaultCases;
        if (!File.Exists(file))
        {
            throw new SettingsException($"There is no plan case file '{file}'.");
        }

        PlanCaseSet set = PlanCaseSet.Load(file, Places.Gazetteer);
        IReadOnlyList<PlanCaseResult> results = set.Run(RulePlanParser.Parse);
        int passed = results.Count(r => r.Passed), skipped = results.Count(r => r.Skipped), failed = results.Count - passed - skipped;
        if (json)
        {
            JsonOutput.Write(new
            {
                file,
                today = set.Context.Today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                cases = results.Count,
                passed,
                failed,
                skipped,
                results = results.Select(r => new { request = r.Case.Request, passed = r.Passed, skipped = r.Skipped, plan = r.Plan?.ToJson(), differences = r.Differences }),
            });
            return failed == 0 ? 0 : 1;
        }

        var table = new Table().AddColumn("request").AddColumn("plan").AddColumn("ok");
        foreach (PlanCaseResult r in results)
        {
            table.AddRow(Markup.Escape(r.Case.Request), Markup.Escape(r.Plan?.Describe() ?? "(skipped: no gazetteer)"),
                r.Skipped ? "skip" : r.Passed ? "yes" : Markup.Escape("NO: " + string.Join("; ", r.Differences)));
        }

        Ui.Out.Write(table);
        Ui.Out.WriteLine($"{results.Count} requests (today = {set.Context.Today:yyyy-MM-dd}): {passed} as expected, {failed} not, {skipped} skipped.");
        return failed == 0 ? 0 : 1;
    }
}
