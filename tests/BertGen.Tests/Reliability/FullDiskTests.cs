using System.Diagnostics;
using BertGen.Checkpoints;
using BertGen.Tests.Cli;
using BertGen.Tests.Support;

namespace BertGen.Tests.Reliability;

/// <summary>
/// A disk that fills up, or a folder that refuses a file: a capture that cannot be written costs no weights, a
/// checkpoint that cannot be written stops training with exit code 4 and the newest checkpoint kept.
/// </summary>
public sealed class FullDiskTests
{
    [Fact]
    public void On_a_full_disk_the_captures_give_way_and_the_trained_state_is_saved()
    {
        using var temp = new TempFolder();
        using var disk = SmallDisk.Mount(temp["disk"], megabytes: 2);
        string run = disk is null ? temp["run"] : Path.Combine(temp["disk"], "run");
        string[] args = ["train", "--out", run, "--epochs", "3000", "--capture-every", "100", "--save-every", "1000"];
        if (disk is null)
        {
            // No small filesystem here (not root): a file where the captures folder would be makes every capture fail.
            Assert.Equal(0, CliTests.Run("train", "--out", run, "--epochs", "0", "--capture-epochs", "").Code);
            File.WriteAllText(Path.Combine(run, "captures"), "in the way");
            args = ["train", "--resume", run, "--epochs", "3000", "--capture-every", "100", "--save-every", "1000"];
        }

        var (code, output, error) = CliTests.Run(args);

        Assert.True(code == 4, $"exit {code}: {error}");
        Assert.Matches(@"^bertgen: warning: the capture of epoch \d+ was not written \(.+\); training went on, and no later epoch is captured\.\n$", error);
        Assert.Contains("Checkpoint: ", output);
        var model = new SeedBert(42);
        Checkpoint.Load(Path.Combine(run, "checkpoints", "epoch-003000.safetensors"), model);
        Assert.Equal(3001, File.ReadAllLines(Path.Combine(run, "metrics.csv")).Length);
        Assert.Empty(Directory.EnumerateFiles(run, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_checkpoint_that_cannot_be_written_stops_training_with_exit_code_4_and_the_newest_one_kept()
    {
        using var temp = new TempFolder();
        Assert.Equal(0, CliTests.Run("train", "--out", temp["run"], "--epochs", "10", "--capture-epochs", "0", "--save-every", "5").Code);
        string checkpoints = Path.Combine(temp["run"], "checkpoints");
        string aside = temp["aside"];
        Directory.Move(checkpoints, aside);
        File.WriteAllText(checkpoints, "in the way"); // a file where the folder should be: every write into it fails
        Directory.Move(aside, temp["kept"]);

        // Resume reads from the folder, so put it back for reading and block writing by a file in the way instead.
        File.Delete(checkpoints);
        Directory.Move(temp["kept"], checkpoints);
        var blocker = Path.Combine(checkpoints, "epoch-000015.safetensors");
        Directory.CreateDirectory(blocker); // a folder where epoch 15's checkpoint goes

        var (code, _, error) = CliTests.Run("train", "--resume", temp["run"], "--epochs", "20", "--save-every", "5", "--capture-epochs", "");

        Assert.Equal(4, code);
        Assert.Contains("the checkpoint of epoch 15 could not be written (", error);
        Assert.Contains("training stopped. The newest checkpoint is ", error);
        Assert.Contains("epoch-000010.safetensors; free some space, then resume with: bertgen train --resume ", error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.True(File.Exists(Path.Combine(checkpoints, "epoch-000010.safetensors")));
        Assert.Empty(Directory.EnumerateFiles(temp["run"], "*.tmp", SearchOption.AllDirectories));
    }

    /// <summary>A tmpfs of a few megabytes, where this process may mount one (as root); null elsewhere.</summary>
    private sealed class SmallDisk : IDisposable
    {
        private readonly string _path;

        private SmallDisk(string path) => _path = path;

        public static SmallDisk? Mount(string path, int megabytes)
        {
            if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            {
                return null;
            }

            Directory.CreateDirectory(path);
            return Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path) ? new SmallDisk(path) : null;
        }

        public void Dispose() => Run("umount", _path);

        private static bool Run(string program, params string[] args)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
                process.WaitForExit();
                return process.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }
    }
}
