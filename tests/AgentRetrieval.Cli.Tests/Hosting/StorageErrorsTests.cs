using AgentRetrieval.Cli;
using Microsoft.Data.Sqlite;

namespace AgentRetrieval.Tests.Hosting;

public sealed class StorageErrorsTests
{
    [Fact]
    public async Task RunAsync_DiskFull_OneClearLineAndExit1()
    {
        using var dir = new TempDirectory();
        // A real "database or disk is full" (SQLITE_FULL) from SQLite, by capping the database's size.
        SqliteException? full = null;
        using (var c = new SqliteConnection($"Data Source={dir.Combine("x.db")};Pooling=False"))
        {
            c.Open();
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA max_page_count = 3; CREATE TABLE t (b BLOB);";
            cmd.ExecuteNonQuery();
            try
            {
                for (int i = 0; i < 100; i++)
                {
                    cmd.CommandText = "INSERT INTO t VALUES (randomblob(4000))";
                    cmd.ExecuteNonQuery();
                }
            }
            catch (SqliteException ex)
            {
                full = ex;
            }
        }

        Assert.NotNull(full);
        Assert.Equal(13, full.SqliteErrorCode);
        var err = new StringWriter();
        TextWriter old = Console.Error;
        Console.SetError(err);
        int code;
        try
        {
            code = await CommandLine.RunAsync(_ => throw full, TestContext.Current.CancellationToken);
        }
        finally
        {
            Console.SetError(old);
        }

        Assert.Equal(1, code);
        Assert.Contains("disk is full", err.ToString());
        Assert.DoesNotContain("   at ", err.ToString());
    }
}
