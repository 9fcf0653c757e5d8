using System.Runtime.ExceptionServices;

namespace BertGen.Training;

/// <summary>
/// Runs one action over parts 0 to n-1 at once: part 0 on the calling thread, the others as work items of the thread
/// pool, then waits for all of them. The work items are made once and reused, so a run allocates nothing (Parallel.For
/// allocated about 1.7 KB a call). An exception in a part is rethrown on the calling thread once every part has ended.
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
            ThreadPool.UnsafeQueueUserWorkItem(_others[i], preferLocal: false);
        }

        try
        {
            action(0);
        }
        finally
        {
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
        public void Execute()
        {
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
