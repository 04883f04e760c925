using System.CommandLine;
using AgentRetrieval.Cli;

return await CommandLine.Build().Parse(args).InvokeAsync();
