using BertGen.Checkpoints;
using BertGen.IO;
using BertGen.Tests.Cli;
using BertGen.Tests.Support;

namespace BertGen.Tests.Reliability;

/// <summary>
/// Runs killed at every rename of their files, interrupted at once, trained twice at once: a run is always resumable
/// from its newest consistent state and ends as an uninterrupted one would; a start is all or nothing.
/// </summary>
public sealed class KillAndLockTests
{
    private static readonly string[] Training = ["train", "--epochs", "4", "--save-every", "1", "--capture-epochs", "0,2", "--seed", "5"];

    [Fact]
    public void A_run_killed_after_any_rename_resumes_to_the_weights_and_metrics_of_an_uninterrupted_run()
    {
        using var temp = new TempFolder();
        Assert.Equal(0, CliTests.Run([.. Training, "--out", temp["whole"]]).Code);
        var expected = Checkpoint.Load(Path.Combine(temp["whole"], "checkpoints", "epoch-000004.safetensors"), new SeedBert(42));
        byte[] metrics = File.ReadAllBytes(Path.Combine(temp["whole"], "metrics.csv"));

        int killed = 0;
        for (int renames = 1; renames < 60; renames++)
        {
            string run = temp[$"killed-{renames}"];
            using var child = new ChildProcess(new Dictionary<string, string> { [AtomicFile.KillAfterRenamesVariable] = renames.ToString(System.Globalization.CultureInfo.InvariantCulture) }, [.. Training, "--out", run]);
            int code = child.Wait(TimeSpan.FromSeconds(60));
            if (code == 0)
            {
                break; // the run has fewer renames than this: every rename has been a kill point
            }

            killed++;
            Assert.True(code == 137, $"after {renames} renames the child exited {code}: {child.Error}");
            var (again, _, error) = Directory.Exists(run)
                ? CliTests.Run("train", "--resume", run, "--epochs", "4")
                : CliTests.Run([.. Training, "--out", run]); // killed while starting: nothing is left, and a retry starts afresh
            bool finished = again == 2 && error.Contains("has already trained 4 epochs", StringComparison.Ordinal); // killed after its last checkpoint
            Assert.True(again == 0 || finished, $"after a kill at rename {renames}: {error}");
            Assert.Equal(expected, Checkpoint.Load(Path.Combine(run, "checkpoints", "epoch-000004.safetensors"), new SeedBert(42)));
            Assert.True(metrics.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(run, "metrics.csv"))), $"metrics.csv after a kill at rename {renames}");
            Assert.Empty(Directory.EnumerateFiles(run, "*.tmp", SearchOption.AllDirectories));
        }

        Assert.True(killed >= 15, $"only {killed} kill points");
    }

    [Fact]
    public void A_second_trainer_of_a_run_is_refused_at_once_naming_the_first_and_a_dead_ones_lock_blocks_nothing()
    {
        using var temp = new TempFolder();
        Assert.Equal(0, CliTests.Run("train", "--out", temp["run"], "--epochs", "2", "--capture-epochs", "0").Code);
        using var child = new ChildProcess("train", "--resume", temp["run"], "--epochs", "10000000", "--capture-epochs", "3");
        child.WaitFor("Capturing epochs 3.", TimeSpan.FromSeconds(60));

        var (code, _, error) = CliTests.Run("train", "--resume", temp["run"], "--epochs", "6");

        Assert.Equal(2, code);
        Assert.StartsWith($"bertgen: '{temp["run"]}' is being trained by another process (pid {child.Id}, started ", error);
        child.Signal("KILL");
        child.Wait(TimeSpan.FromSeconds(30));
        var (after, _, afterError) = CliTests.Run("train", "--resume", temp["run"], "--epochs", "6");
        Assert.True(after == 0, afterError);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(60)]
    [InlineData(150)]
    [InlineData(300)]
    public void A_start_interrupted_at_once_leaves_nothing_that_blocks_a_retry(int milliseconds)
    {
        using var temp = new TempFolder();
        using (var child = new ChildProcess("train", "--out", temp["run"], "--epochs", "30", "--capture-epochs", "0"))
        {
            Thread.Sleep(milliseconds);
            child.Signal("INT");
            int code = child.Wait(TimeSpan.FromSeconds(60));
            Assert.True(code is 0 or 130, $"exit {code}: {child.Error}");
        }

        Assert.Empty(Directory.EnumerateDirectories(temp.Path, ".run.starting.*"));
        var (again, _, error) = Directory.Exists(temp["run"])
            ? CliTests.Run("train", "--resume", temp["run"], "--epochs", "30")
            : CliTests.Run("train", "--out", temp["run"], "--epochs", "30", "--capture-epochs", "0");
        Assert.True(again is 0 or 2, error);
        if (again == 2)
        {
            Assert.Contains("has already trained 30 epochs", error); // the child had finished
        }
    }

    [Fact]
    public void Staging_folders_and_temporary_files_of_dead_processes_are_removed()
    {
        using var temp = new TempFolder();
        int dead = DeadProcessId();
        Directory.CreateDirectory(Path.Combine(temp.Path, $".run.starting.{dead}", "checkpoints"));
        Assert.Equal(0, CliTests.Run("train", "--out", temp["run"], "--epochs", "2", "--capture-epochs", "0").Code);
        Assert.Empty(Directory.EnumerateDirectories(temp.Path, ".run.starting.*"));

        File.WriteAllText(Path.Combine(temp["run"], $".metrics.csv.{dead}.tmp"), "half");
        File.WriteAllText(Path.Combine(temp["run"], "checkpoints", $".epoch-000003.safetensors.{dead}.tmp"), "half");
        File.WriteAllText(Path.Combine(temp["run"], $".alive.{Environment.ProcessId}.tmp"), "being written");
        Assert.Equal(0, CliTests.Run("train", "--resume", temp["run"], "--epochs", "3").Code);

        Assert.Equal([$".alive.{Environment.ProcessId}.tmp"], Directory.EnumerateFiles(temp["run"], "*.tmp", SearchOption.AllDirectories).Select(Path.GetFileName));
    }

    /// <summary>A process id no process has now.</summary>
    private static int DeadProcessId()
    {
        for (int pid = 4_000_000; ; pid--)
        {
            if (!ProcessIds.IsRunning(pid))
            {
                return pid;
            }
        }
    }
}
