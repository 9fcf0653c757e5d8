using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace BertGen.Kernels;

/// <summary>
/// Runs one action over parts 0 to n-1 at once: part 0 on the calling thread, each other part on a thread of its own,
/// made at the first run that needs it and kept, so that a run allocates nothing and each part's kernels keep their
/// thread's workspace (a pool thread new to a part allocated its workspace, some 300 KB at the small size, in the
/// middle of training). Each part runs once, on whichever thread claims it first: the calling thread, having finished
/// part 0, claims any part its thread has not started, so a run finishes even when that thread waits for a core. An
/// exception in a part is rethrown on the calling thread once every part has ended. A part's thread waits for the next
/// run's part spinning for <see cref="StayTicks"/>, then sleeps until an offer wakes it, and the calling thread spins
/// as long for the other parts before it blocks: the runs of a training step come tens of microseconds apart, and a
/// thread woken from sleep took about as long as a seed step's part itself. A part's thread holds its runner only
/// weakly: once nothing else holds the runner, the thread ends within a second.
/// </summary>
internal sealed class PartRunner
{
    /// <summary>How long a part's thread, or the caller waiting for the parts, spins before it sleeps (200 µs).</summary>
    private static readonly long StayTicks = Stopwatch.Frequency / 5000;

    /// <summary>How often a sleeping part's thread looks whether its runner is still held.</summary>
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);

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
                _others[i].TryRun(this);
            }

            WaitForParts();
            _action = null;
        }

        if (_failure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>The threads of the parts after the first, made so far (for tests).</summary>
    internal IEnumerable<Thread> PartThreads() => _others.Select(part => part.Thread).OfType<Thread>();

    /// <summary>Until every other part has ended: spinning for a while, then blocking.</summary>
    private void WaitForParts()
    {
        long until = Stopwatch.GetTimestamp() + StayTicks;
        while (!_pending.IsSet && Stopwatch.GetTimestamp() < until)
        {
            Pause();
        }

        _pending.Wait();
    }

    /// <summary>Part <paramref name="index"/> of the current run, its exception kept for the caller.</summary>
    private void RunPart(int index)
    {
        try
        {
            _action!(index);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
        }
        finally
        {
            _pending.Signal();
        }
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

    /// <summary>One part after the first: its state for the current run, and its thread.</summary>
    private sealed class Part(PartRunner runner, int index)
    {
        private readonly WeakReference<PartRunner> _runner = new(runner);
        private readonly SemaphoreSlim _wake = new(0);
        private Thread? _thread;

        // 1 while this part of the current run waits to be run; whoever sets it to 0 runs the part.
        private int _open;

        // 1 while the part's thread sleeps on _wake; an offer then wakes it.
        private int _sleeping;

        /// <summary>The part's thread, once a run has made it.</summary>
        public Thread? Thread => _thread;

        /// <summary>Opens this part of a run for its thread (made now if this is the first run).</summary>
        public void Offer()
        {
            if (_thread is null)
            {
                _thread = new Thread(Loop) { IsBackground = true, Name = $"BertGen part {index}" };
                _thread.Start();
            }

            // Both flags are set with a full fence and then the other one read, in opposite orders: an offer that finds
            // the thread going to sleep wakes it, and a thread going to sleep looks for an offer after, so none is missed.
            Interlocked.Exchange(ref _open, 1);
            if (Volatile.Read(ref _sleeping) == 1)
            {
                _wake.Release();
            }
        }

        /// <summary>Runs the part unless another thread has claimed it; whether this one ran it.</summary>
        public bool TryRun(PartRunner owner)
        {
            if (Interlocked.Exchange(ref _open, 0) == 0)
            {
                return false;
            }

            owner.RunPart(index);
            return true;
        }

        private void Loop()
        {
            while (true)
            {
                long until = Stopwatch.GetTimestamp() + StayTicks;
                while (Volatile.Read(ref _open) == 0 && Stopwatch.GetTimestamp() < until)
                {
                    Pause();
                }

                if (Volatile.Read(ref _open) == 0)
                {
                    Interlocked.Exchange(ref _sleeping, 1);
                    while (Volatile.Read(ref _open) == 0)
                    {
                        if (!_wake.Wait(CheckEvery) && !IsHeld())
                        {
                            return; // nothing holds the runner any more: no run will come
                        }
                    }

                    Interlocked.Exchange(ref _sleeping, 0);
                }

                if (!RunIfHeld())
                {
                    return;
                }
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private bool IsHeld() => _runner.TryGetTarget(out _);

        // Its own frame, so that the strong reference to the runner ends with the part: a local of the loop (its
        // address taken by TryGetTarget) would keep the runner alive while the thread sleeps.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private bool RunIfHeld()
        {
            if (!_runner.TryGetTarget(out var owner))
            {
                return false;
            }

            TryRun(owner);
            return true;
        }
    }
}
