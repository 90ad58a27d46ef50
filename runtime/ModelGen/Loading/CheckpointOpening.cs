using ModelGen.SafeTensors;

namespace ModelGen.Loading;

/// <summary>
/// Rank 0's first step of a load: opening and validating the checkpoint, and the catalog every rank plans from (with
/// its message form). <see cref="Start"/> runs it on a thread of its own, so that it overlaps the model's construction
/// (which needs no checkpoint); <see cref="Run"/> runs it here. Disposing closes the checkpoint unless it was taken.
/// Opening creates no tensors, and must not: on the other thread, TorchSharp's process-wide default device is the
/// meta device while the model is built.
/// </summary>
internal sealed class CheckpointOpening : IDisposable
{
    private readonly string _path;
    private readonly Thread? _thread;
    private SafeTensorsCheckpoint? _checkpoint;

    private CheckpointOpening(string path, bool background)
    {
        _path = path;
        if (!background)
        {
            Open();
            return;
        }
        _thread = new Thread(Open) { IsBackground = true, Name = "ModelGen checkpoint opening" };
        _thread.Start();
    }

    /// <summary>Starts opening <paramref name="path"/> on a background thread.</summary>
    public static CheckpointOpening Start(string path) => new(path, background: true);

    /// <summary>Opens <paramref name="path"/> on this thread.</summary>
    public static CheckpointOpening Run(string path) => new(path, background: false);

    /// <summary>The catalog, once <see cref="Wait"/> returned no failure.</summary>
    public CheckpointCatalog? Catalog { get; private set; }

    /// <summary>The catalog as the other ranks receive it.</summary>
    public byte[] Message { get; private set; } = [];

    /// <summary>Waits for the opening to end; returns why it failed, or <see langword="null"/>.</summary>
    public Exception? Wait()
    {
        _thread?.Join();
        return Failure;
    }

    /// <summary>Hands the open checkpoint to the caller, who disposes it from then on.</summary>
    public SafeTensorsCheckpoint? TakeCheckpoint()
    {
        _thread?.Join();
        SafeTensorsCheckpoint? taken = _checkpoint;
        _checkpoint = null;
        return taken;
    }

    private Exception? Failure { get; set; }

    private void Open()
    {
        Failure = Distributed.LocalFailure.Of(() =>
        {
            _checkpoint = SafeTensorsCheckpoint.Open(_path);
            Catalog = CheckpointCatalog.From(_path, _checkpoint.Entries);
            Message = Catalog.Serialize();
        });
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _thread?.Join();
        _checkpoint?.Dispose();
        _checkpoint = null;
    }
}
