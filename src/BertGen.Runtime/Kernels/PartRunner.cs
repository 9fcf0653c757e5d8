using System.Runtime.ExceptionServices;

namespace BertGen.Kernels;

/// <summary>
/// Runs one action over parts 0 to n-1 at once: part 0 on the calling thread, the others offered to the thread pool as
/// work items made once and reused, so a run allocates nothing (Parallel.For allocated about 1.7 KB a call). Each part
/// runs once, on whichever thread claims it first: the calling thread, having finished part 0, claims any part no pool
/// thread has started, so a run finishes even when the pool is busy. An exception in a part is rethrown on the calling
/// thread once every part has ended.
/// </summary>
internal sealed class PartRunner
{
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

            _pending.Wait();
            _action = null;
        }

        if (_failure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    private sealed class Part(PartRunner runner, int index) : IThreadPoolWorkItem
    {
        // 1 while this part of the current run waits for a thread; whoever sets it to 0 runs the part. A work item
        // queued for an earlier run that a pool thread reaches late finds 0 and does nothing.
        private int _open;

        public void Offer()
        {
            Volatile.Write(ref _open, 1);
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        public void Execute() => TryRun();

        public void TryRun()
        {
            if (Interlocked.Exchange(ref _open, 0) == 0)
            {
                return;
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
        }
    }
}
