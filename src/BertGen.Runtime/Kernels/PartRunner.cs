using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace BertGen.Kernels;

/// <summary>
/// Runs one action over parts 0 to n-1 at once: part 0 on the calling thread, the others offered to the thread pool as
/// work items made once and reused, so a run allocates nothing (Parallel.For allocated about 1.7 KB a call). Each part
/// runs once, on whichever thread claims it first: the calling thread, having finished part 0, claims any part no pool
/// thread has started, so a run finishes even when the pool is busy. An exception in a part is rethrown on the calling
/// thread once every part has ended. A pool thread that ran a part stays for the next run's part for a short while
/// (<see cref="StayTicks"/>), and the calling thread spins while the other parts end before it blocks: the runs of a
/// training step come tens of microseconds apart, and a pool thread woken from sleep, or a caller woken from a wait,
/// took about as long as a seed step's part itself.
/// </summary>
internal sealed class PartRunner
{
    /// <summary>How long a pool thread that ran a part waits, spinning, for the next run's (200 µs).</summary>
    private static readonly long StayTicks = Stopwatch.Frequency / 5000;

    private readonly Part[] _others;
    private readonly CountdownEvent _pending = new(0);
    private Action<int>? _action;
    private Exception? _failure;

    /// <param name="parts">The most parts a run may have.</param>
    public PartRunner(int parts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 2);
        _others = Enumerable.Range(1, parts - 1).Select(i => new Part(this, i)).ToArray();
    }

    /// <summary>Runs <paramref name="action"/>(i) for i from 0 to <paramref name="parts"/> - 1, and returns when all have ended.</summary>
    public void Run(int parts, Action<int> action)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(parts, _others.Length + 1);
        _action = action;
        _failure = null;
        _pending.Reset(parts - 1);
        for (int i = 0; i < parts - 1; i++)
        {
            _others[i].Offer();
        }

        try
        {
            action(0);
        }
        finally
        {
            for (int i = 0; i < parts - 1; i++)
            {
                _others[i].TryRun();
            }

            WaitForParts();
            _action = null;
        }

        if (_failure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Until every other part has ended: spinning for as long as a pool thread stays, then blocking.</summary>
    private void WaitForParts()
    {
        long until = Stopwatch.GetTimestamp() + StayTicks;
        while (!_pending.IsSet && Stopwatch.GetTimestamp() < until)
        {
            Pause();
        }

        _pending.Wait();
    }

    /// <summary>
    /// A moment's wait in a spin: a few pause instructions, or, on one processor, the rest of the time slice (a
    /// spinning thread would keep the one it waits for from running). A yield on every spin, as SpinWait does after
    /// ten, was a system call each time: a tenth of a two-thread seed step in the kernel's scheduler.
    /// </summary>
    private static void Pause()
    {
        if (Environment.ProcessorCount > 1)
        {
            Thread.SpinWait(16);
        }
        else
        {
            Thread.Yield();
        }
    }

    private sealed class Part(PartRunner runner, int index) : IThreadPoolWorkItem
    {
        // 1 while this part of the current run waits for a thread; whoever sets it to 0 runs the part. A work item
        // queued for an earlier run that a pool thread reaches late finds 0 and does nothing.
        private int _open;

        // 1 while a pool thread that ran this part waits for the next run's; an offer then queues no work item.
        private int _staying;

        public void Offer()
        {
            // Both flags are set and read with full fences, in opposite orders: an offer that finds no thread staying
            // queues a work item, and a thread that stops staying looks for an offer after, so no run's part is missed.
            Interlocked.Exchange(ref _open, 1);
            if (Volatile.Read(ref _staying) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
        }

        public void Execute()
        {
            // Only the thread that ran the part stays: a work item reached after the part was run elsewhere ends here.
            if (!TryRun())
            {
                return;
            }

            Interlocked.Exchange(ref _staying, 1);
            long until = Stopwatch.GetTimestamp() + StayTicks;
            while (true)
            {
                if (Volatile.Read(ref _open) == 1)
                {
                    TryRun();
                    until = Stopwatch.GetTimestamp() + StayTicks;
                }
                else if (Stopwatch.GetTimestamp() < until)
                {
                    Pause();
                }
                else
                {
                    break;
                }
            }

            Interlocked.Exchange(ref _staying, 0);
            TryRun();
        }

        /// <summary>Runs the part unless another thread has claimed it; whether this one ran it.</summary>
        public bool TryRun()
        {
            if (Interlocked.Exchange(ref _open, 0) == 0)
            {
                return false;
            }

            try
            {
                runner._action!(index);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref runner._failure, e, null);
            }
            finally
            {
                runner._pending.Signal();
            }

            return true;
        }
    }
}
