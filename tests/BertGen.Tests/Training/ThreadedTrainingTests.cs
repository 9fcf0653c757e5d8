using BertGen.Data;
using BertGen.Kernels;
using BertGen.Tests.Support;
using BertGen.Training;

namespace BertGen.Tests.Training;

/// <summary>A batch split over threads: the same gradients as on one thread, reproducible, and failures surface.</summary>
public sealed class ThreadedTrainingTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Split_gradients_equal_the_single_threaded_ones_up_to_summation_order(int threads)
    {
        var single = NewTrainer(1);
        var split = NewTrainer(threads);
        var expected = single.Evaluate();
        var actual = split.Evaluate();

        Assert.Equal(expected.Loss, actual.Loss, 1e-6);
        for (int i = 0; i < single.Gradients.Length; i++)
        {
            float e = single.Gradients[i], a = split.Gradients[i];
            Assert.True(Math.Abs(e - a) <= 1e-5f * Math.Max(1f, Math.Abs(e)), $"gradient {i}: {a} on {threads} threads, {e} on one");
        }
    }

    [Fact]
    public void Training_on_two_threads_is_reproducible_to_the_bit()
    {
        var first = NewTrainer(2);
        var second = NewTrainer(2);
        for (int epoch = 0; epoch < 30; epoch++)
        {
            first.TrainEpoch();
            second.TrainEpoch();
        }

        Assert.Equal(first.Parameters, second.Parameters);
    }

    [Fact]
    public void A_failing_part_is_rethrown_after_every_part_has_ended_and_the_runner_still_works()
    {
        var runner = new PartRunner(3);
        var ran = new int[3];
        var failure = Assert.Throws<InvalidOperationException>(() => runner.Run(3, part =>
        {
            Interlocked.Increment(ref ran[part]);
            if (part == 2)
            {
                throw new InvalidOperationException("part 2 failed");
            }
        }));

        Assert.Equal("part 2 failed", failure.Message);
        Assert.Equal([1, 1, 1], ran);
        runner.Run(2, part => Interlocked.Increment(ref ran[part]));
        Assert.Equal([2, 2, 1], ran);
    }

    [Fact]
    public void Every_part_runs_exactly_once_in_each_of_many_runs()
    {
        // Work items of one run that the pool reaches late must neither run a part twice nor miss the next run's.
        var runner = new PartRunner(4);
        var counts = new int[4];
        var expected = new int[4];
        for (int run = 1; run <= 2000; run++)
        {
            int parts = 2 + (run % 3);
            runner.Run(parts, part => Interlocked.Increment(ref counts[part]));
            for (int part = 0; part < parts; part++)
            {
                expected[part]++;
            }

            Assert.Equal(expected, counts);
        }
    }

    [Fact]
    public void Every_part_runs_once_whether_a_run_comes_while_its_thread_spins_or_after_it_sleeps()
    {
        // A part's thread waits for the next run's spinning (PartRunner.StayTicks, 200 µs), then sleeps: runs back to
        // back find it spinning, runs after a pause near that time race its going to sleep, runs after a long one wake it.
        var runner = new PartRunner(3);
        var counts = new int[3];
        var pauses = new[] { 0.0, 0.15, 0.2, 0.25, 2.0 };
        for (int run = 1; run <= 100; run++)
        {
            runner.Run(3, part => Interlocked.Increment(ref counts[part]));
            Assert.Equal([run, run, run], counts);
            var pause = System.Diagnostics.Stopwatch.StartNew();
            while (pause.Elapsed.TotalMilliseconds < pauses[run % pauses.Length])
            {
                Thread.SpinWait(20);
            }
        }
    }

    [Fact]
    public void A_part_keeps_its_thread_from_run_to_run()
    {
        // A part's kernels use their thread's workspace, which a thread new to the part would allocate again: each part
        // runs on its own thread, or on the caller's when the caller claims it first.
        var runner = new PartRunner(3);
        var ranOn = new[] { new HashSet<int>(), new HashSet<int>(), new HashSet<int>() };
        int caller = Environment.CurrentManagedThreadId;
        for (int run = 0; run < 200; run++)
        {
            runner.Run(3, part =>
            {
                lock (ranOn[part])
                {
                    ranOn[part].Add(Environment.CurrentManagedThreadId);
                }

                // The caller's part lasts longest, so that the other parts' threads mostly claim their own.
                var busy = System.Diagnostics.Stopwatch.StartNew();
                while (busy.Elapsed.TotalMilliseconds < (part == 0 ? 0.1 : 0.01))
                {
                    Thread.SpinWait(20);
                }
            });
            if (run % 50 == 49)
            {
                Thread.Sleep(5); // long enough for the parts' threads to go to sleep
            }
        }

        Assert.Equal([caller], ranOn[0]);
        Assert.Single(ranOn[1], thread => thread != caller);
        Assert.Single(ranOn[2], thread => thread != caller);
        Assert.NotEqual(ranOn[1].Single(thread => thread != caller), ranOn[2].Single(thread => thread != caller));
    }

    [Fact]
    public void A_runner_nothing_holds_lets_its_threads_end()
    {
        var threads = RunOnceAndDrop();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.All(threads, thread => Assert.True(thread.Join(TimeSpan.FromSeconds(10)), $"{thread.Name} still runs"));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static Thread[] RunOnceAndDrop()
    {
        var runner = new PartRunner(3);
        runner.Run(3, _ => { });
        var threads = runner.PartThreads().ToArray();
        Assert.Equal(2, threads.Length);
        return threads;
    }

    private static Trainer NewTrainer(int threads)
    {
        var data = TrainingData.Create(Corpus.Default, "default", SeedBert.MaxLen, SeedBert.MaxPred, new SeededRandom(1));
        return new Trainer(new SeedBert(data.Vocabulary.Count), data.Samples, new AdamSettings(), new SeededRandom(1)) { Threads = threads };
    }
}
