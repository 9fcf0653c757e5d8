namespace BertGen.Runs;

/// <summary>Which epochs a run captures.</summary>
public static class CaptureSchedule
{
    /// <summary>
    /// The epochs to capture: those asked for, every <see cref="TrainingOptions.CaptureEvery"/> epochs with epoch 0 and
    /// the last; by default epoch 0, 1, 3, 10, 30, ... up to the last (about two captures per decade).
    /// </summary>
    /// <exception cref="SettingException">An asked-for epoch lies past the end of training, or too many are asked for.</exception>
    public static SortedSet<int> Resolve(TrainingOptions options)
    {
        int last = options.Epochs;
        var epochs = new SortedSet<int>();
        if (options.CaptureEpochs is { Count: > TrainingOptions.MaxCaptures } many)
        {
            throw new SettingException(SettingNames.CaptureEpochs, name => $"{name} names {many.Count} epochs; at most {TrainingOptions.MaxCaptures} are captured.");
        }

        if (options.CaptureEpochs is { } asked)
        {
            foreach (int e in asked)
            {
                if (e < 0 || e > last)
                {
                    throw new SettingException(SettingNames.CaptureEpochs, name => $"{name} names epoch {e}, but training runs epochs 0 to {last}.");
                }

                epochs.Add(e);
            }
        }

        if (options.CaptureEvery < 0)
        {
            throw new SettingException(SettingNames.CaptureEvery, name => $"{name} is {options.CaptureEvery}; give 1 or more.");
        }

        if (options.CaptureEvery > 0)
        {
            long count = (last / (long)options.CaptureEvery) + 1 + (last % options.CaptureEvery == 0 ? 0 : 1);
            if (count > TrainingOptions.MaxCaptures)
            {
                throw new SettingException(
                    SettingNames.CaptureEvery,
                    name => $"{name} {options.CaptureEvery} captures {count} epochs of {last}; at most {TrainingOptions.MaxCaptures} are captured (a file each): give a larger number.");
            }

            for (int e = 0; e <= last; e += options.CaptureEvery)
            {
                epochs.Add(e);
            }

            epochs.Add(last);
        }

        if (options.CaptureEpochs is null && options.CaptureEvery == 0)
        {
            epochs.Add(0);
            for (long decade = 1; decade <= last; decade *= 10)
            {
                epochs.Add((int)decade);
                if (3 * decade <= last)
                {
                    epochs.Add((int)(3 * decade));
                }
            }

            epochs.Add(last);
        }

        return epochs;
    }
}
