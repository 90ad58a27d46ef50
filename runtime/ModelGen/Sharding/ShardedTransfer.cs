using ModelGen.Distributed;
using ModelGen.Loading;
using ModelGen.Native;
using TorchSharp;

namespace ModelGen.Sharding;

/// <summary>
/// Moves a fully sharded model from rank 0 to every rank: each rank ends up with, and receives, only its own rows of
/// each sharded tensor (and the whole of each replicated one). Tensors are cut into pieces of bounded size and moved in
/// batches through a two-stage pipeline like the replicated transfer's: rank 0 makes batch k+1 resident while the other
/// ranks copy their shares of batch k; one agreement per batch. On rank 0 a mapped tensor is made resident piece by
/// piece, and once every rank has copied a piece, the pages outside rank 0's own rows are dropped again, so rank 0's
/// memory grows by its own shard plus about two batches, never by the model. With the per-node reader, every node's
/// leader does what rank 0 does for the items it reads from its own copy (<see cref="ShardedLoadItem.ReadByEveryLeader"/>).
/// </summary>
internal sealed class ShardedTransfer
{
    /// <summary>Largest run of rows of one tensor that moves as a unit.</summary>
    public const long PieceBytes = 32L << 20;

    /// <summary>Largest amount of data rank 0 makes resident before the ranks agree and the data moves.</summary>
    public const long BatchBytes = 64L << 20;

    private readonly IProcessGroup _group;
    private readonly IReadOnlyList<ShardedLoadItem> _items;
    private readonly string _model;
    private readonly Action<int, torch.Tensor, torch.Tensor> _completed;
    private readonly State[] _state;
    private readonly bool _isRoot;
    private readonly bool _readsOwnCopy;
    private readonly LoadPhases _phases;
    private torch.Tensor? _readBuffer;
    private long _batches;

    private ShardedTransfer(IProcessGroup group, IReadOnlyList<ShardedLoadItem> items, string model,
        Action<int, torch.Tensor, torch.Tensor> completed, bool readsOwnCopy, LoadPhases? phases)
    {
        _readsOwnCopy = readsOwnCopy;
        _phases = phases ?? new LoadPhases();
        _group = group;
        _items = items;
        _model = model;
        _completed = completed;
        _state = new State[items.Count];
        _isRoot = group.Rank == 0;
    }

    /// <summary>The bytes this rank received from rank 0 (0 on rank 0).</summary>
    public long ReceivedBytes { get; private set; }

    /// <summary>
    /// Runs the transfer on every rank. Each item, once every rank holds its rows, is handed to
    /// <paramref name="completed"/> with its index, this rank's padded buffer and the view of its own rows (the whole
    /// tensor for a replicated item, where both are the same tensor). On any failure every rank throws the same
    /// exception and disposes what it still owns.
    /// </summary>
    /// <param name="group">The ranks; every rank calls this with the same items.</param>
    /// <param name="transport">How shares reach the other ranks; <see langword="null"/> for a single process.</param>
    /// <param name="items">The tensors, in the order they move.</param>
    /// <param name="model">The model's name, for messages.</param>
    /// <param name="completed">Receives each item once every rank holds its rows.</param>
    /// <param name="readsOwnCopy">Whether this rank, a node's leader other than rank 0, reads the items marked <see cref="ShardedLoadItem.ReadByEveryLeader"/> itself.</param>
    /// <param name="phases">Where the time of the transfer's steps is charged: allocate, prepare, agree, move, complete.</param>
    /// <returns>The bytes this rank received.</returns>
    public static long Run(IProcessGroup group, IShardTransport? transport, IReadOnlyList<ShardedLoadItem> items,
        string model, Action<int, torch.Tensor, torch.Tensor> completed, bool readsOwnCopy = false, LoadPhases? phases = null)
    {
        var run = new ShardedTransfer(group, items, model, completed, readsOwnCopy, phases);
        run.Execute(transport);
        return run.ReceivedBytes;
    }

    private void Execute(IShardTransport? transport)
    {
        List<PieceMove>? moving = null;
        try
        {
            // A rank that could not allocate votes so in the first batch's agreement (the last one when nothing
            // moves) rather than in one of its own, and prepares nothing; so does a rank whose last move failed.
            Exception? moveFailure = LocalFailure.Of(AllocateAll);
            _phases.Mark("allocate");
            foreach (IReadOnlyList<ShardPiece> batch in Batches())
            {
                var moves = new List<PieceMove>(batch.Count);
                Exception? failure = moveFailure is null ? LocalFailure.Of(() => PrepareBatch(batch, moves)) : null;
                _phases.Mark("prepare");
                long[] rootSources = AgreeOnBatch(failure ?? moveFailure, batch.Count, moves);
                _phases.Mark("agree");

                // The new batch moves first, so the other ranks start copying while rank 0 drops the last one's pages.
                Exception? newMoveFailure = transport?.Move(moves, rootSources);
                _phases.Mark("move");
                Exception? completeFailure = Complete(moving);
                _phases.Mark("complete");
                moveFailure = newMoveFailure ?? completeFailure;
                moving = moves;
            }
            _group.ThrowIfAnyRankFailed(moveFailure);
            _phases.Mark("agree");
            Exception? lastFailure = Complete(moving);
            _phases.Mark("complete");
            _group.ThrowIfAnyRankFailed(lastFailure);
            _phases.Mark("agree");
            FreeReadBuffer();
        }
        catch
        {
            FreeReadBuffer();
            foreach (State? state in _state)
            {
                if (state is null) continue;
                state.Staging?.Dispose();
                foreach (torch.Tensor buffer in state.LargePieces) buffer.Dispose();
                if (state.Handed) continue;
                if (!ReferenceEquals(state.Mapped, state.Local)) state.Mapped?.Dispose();
                state.Local?.Dispose();
            }
            throw;
        }
    }

    /// <summary>
    /// The batch's agreement, in one collective: whether any rank failed, and where each piece of the batch lies in
    /// rank 0's memory (the peer reads copy from there). One round per batch instead of an agreement and a broadcast.
    /// Sized by the batch, not by what this rank prepared: a rank that failed half-way (or prepared nothing) must
    /// enter the same reduction as the others, which then throws on every rank.
    /// </summary>
    private long[] AgreeOnBatch(Exception? failure, int pieces, List<PieceMove> moves)
    {
        var rootSources = new long[pieces];
        if (_isRoot)
        {
            for (int i = 0; i < moves.Count; i++) rootSources[i] = moves[i].Source;
        }
        AgreedMaximum.Of(_group, failure, rootSources);
        return rootSources;
    }

    /// <summary>Frees rank 0's read buffer once nothing copies out of it any more.</summary>
    private void FreeReadBuffer()
    {
        _readBuffer?.Dispose();
        _readBuffer = null;
    }

    private IEnumerable<IReadOnlyList<ShardPiece>> Batches()
    {
        var batch = new List<ShardPiece>();
        long bytes = 0;
        foreach (ShardPiece piece in ShardPiece.Cut(_items, PieceBytes))
        {
            long size = piece.ByteCount(_items[piece.Item]);
            if (batch.Count > 0 && bytes + size > BatchBytes)
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }
            batch.Add(piece);
            bytes += size;
        }
        if (batch.Count > 0) yield return batch;
    }

    /// <summary>
    /// This rank's tensor for every item, allocated (not touched) up front: a padded chunk for a sharded item (its pad
    /// rows zeroed), the whole tensor for a replicated one. On rank 0 a mapped item's own rows are a view of the file.
    /// </summary>
    private void AllocateAll()
    {
        for (int i = 0; i < _items.Count; i++)
        {
            ShardedLoadItem item = _items[i];
            var state = new State();
            _state[i] = state;
            try
            {
                if (_isRoot && item.MapOnRoot is { } map)
                    state.Mapped = map();
                state.Local = LocalTensor(item, state.Mapped);
            }
            catch (Exception e)
            {
                string what = state.Mapped is not null ? "map the file for" : "allocate its part of";
                throw new InvalidOperationException($"{_model}: rank {_group.Rank} could not {what} {item.Describe()}: {e.Message}", e);
            }
        }
    }

    private torch.Tensor LocalTensor(ShardedLoadItem item, torch.Tensor? mapped)
    {
        if (!item.Sharded) return mapped ?? torch.empty(item.Shape, item.DType, torch.CPU);

        long chunk = ShardMath.ChunkRows(item.Rows, _group.Size);
        if (mapped is not null) return mapped.narrow(0, 0, chunk); // rank 0 always holds a whole chunk
        long[] shape = ScalarTypes.WithRows(item.Shape, chunk);
        torch.Tensor padded = torch.empty(shape, item.DType, torch.CPU);
        (_, long count) = item.RowsOf(_group.Rank, _group.Size);
        if (count < chunk)
        {
            using torch.Tensor pad = padded.narrow(0, count, chunk - count);
            pad.zero_();
        }
        return padded;
    }

    /// <summary>Prepares every piece of a batch; read pieces take turns in the two halves of rank 0's read buffer.</summary>
    private void PrepareBatch(IReadOnlyList<ShardPiece> batch, List<PieceMove> moves)
    {
        long readOffset = 0;
        foreach (ShardPiece piece in batch)
        {
            moves.Add(Prepare(piece, readOffset));
            if (ReadsHere(_items[piece.Item]) && ReadsByRange(piece)) readOffset += piece.ByteCount(_items[piece.Item]);
        }
        _batches++;
    }

    /// <summary>Whether this rank makes the item's bytes resident: rank 0 always, a reading leader the items it reads.</summary>
    private bool ReadsHere(ShardedLoadItem item) => _isRoot || (_readsOwnCopy && item.ReadByEveryLeader);

    /// <summary>Whether rank 0 (or a reading leader) reads the piece's rows on their own (a sharded tensor in the file's dtype, not mapped).</summary>
    private bool ReadsByRange(ShardPiece piece) =>
        _state[piece.Item].Mapped is null && _items[piece.Item].Sharded && _items[piece.Item].ReadRangeOnRoot is not null;

    /// <summary>
    /// On rank 0, makes the piece's bytes resident: pages of the mapped file, a read into the read buffer (rank 0's own
    /// rows straight into its tensor), or the staging tensor filled whole on the first piece. On every rank, describes the move.
    /// </summary>
    private PieceMove Prepare(ShardPiece piece, long readOffset)
    {
        ShardedLoadItem item = _items[piece.Item];
        State state = _state[piece.Item];
        nint source = 0;
        if (ReadsHere(item))
        {
            try
            {
                if (ReadsByRange(piece)) source = ReadPiece(piece, item, state, readOffset);
                else
                {
                    source = RootSource(piece, item, state) + (nint)(piece.RowStart * item.RowBytes);
                    if (state.Mapped is not null) PageResidency.Populate(source, piece.ByteCount(item));
                }
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"{_model}: rank {_group.Rank} failed {item.Describe()}: {e.Message}", e);
            }
        }
        else
        {
            ReceivedBytes += piece.ShareOf(item, _group.Rank, _group.Size).Length;
        }
        return new PieceMove(piece, item, source, TensorMemory.DataPointer(state.Local!));
    }

    /// <summary>
    /// Reads a piece on rank 0 without staging its tensor: rank 0's own rows straight into its tensor, every other row
    /// into this batch's half of the read buffer, at the row's place in the piece; returns the piece's address there.
    /// </summary>
    private nint ReadPiece(ShardPiece piece, ShardedLoadItem item, State state, long readOffset)
    {
        long pieceBytes = piece.ByteCount(item);
        nint source;
        if (pieceBytes > BatchBytes)
        {
            // A single row larger than a batch: a buffer of its own, freed with the batch.
            torch.Tensor own = torch.empty(pieceBytes, torch.ScalarType.Byte, torch.CPU);
            state.LargePieces.Enqueue(own);
            source = TensorMemory.DataPointer(own);
        }
        else
        {
            _readBuffer ??= torch.empty(2 * BatchBytes, torch.ScalarType.Byte, torch.CPU);
            source = TensorMemory.DataPointer(_readBuffer) + (nint)((_batches % 2) * BatchBytes + readOffset);
        }

        (long ownOffset, long ownLength, long ownDestination) = piece.ShareOf(item, _group.Rank, _group.Size);
        long pieceStart = piece.RowStart * item.RowBytes;
        ReadBytesOnRoot read = item.ReadRangeOnRoot!;
        if (ownLength > 0) read(pieceStart + ownOffset, TensorMemory.DataPointer(state.Local!) + (nint)ownDestination, ownLength);
        if (ownOffset > 0) read(pieceStart, source, ownOffset);
        long rest = ownOffset + ownLength;
        if (rest < pieceBytes) read(pieceStart + rest, source + (nint)rest, pieceBytes - rest);
        return source;
    }

    /// <summary>Where rank 0 holds the whole of an item: the mapped file, the replicated tensor itself, or a staging tensor filled on first use.</summary>
    private nint RootSource(ShardPiece piece, ShardedLoadItem item, State state)
    {
        if (state.Mapped is not null) return TensorMemory.DataPointer(state.Mapped);
        if (!item.Sharded)
        {
            if (piece.RowStart == 0) item.FillOnRoot(state.Local!);
            return TensorMemory.DataPointer(state.Local!);
        }
        if (piece.RowStart == 0)
        {
            state.Staging = torch.empty(item.Shape, item.DType, torch.CPU);
            item.FillOnRoot(state.Staging);
        }
        return TensorMemory.DataPointer(state.Staging!);
    }

    /// <summary>
    /// After every rank has its share of a batch: rank 0 drops the mapped pages outside its own rows and keeps its rows
    /// of staged items; every rank hands over the items whose last piece arrived.
    /// </summary>
    private Exception? Complete(List<PieceMove>? moved) => moved is null ? null : LocalFailure.Of(() =>
    {
        foreach (PieceMove move in moved)
        {
            ShardedLoadItem item = move.Item;
            State state = _state[move.Piece.Item];
            if (ReadsHere(item) && item.Sharded) KeepOwnRowsOnRoot(move.Piece, item, state);
            if (!move.Piece.IsLast) continue;

            (_, long count) = item.RowsOf(_group.Rank, _group.Size);
            torch.Tensor padded = state.Local!;
            torch.Tensor view = item.Sharded ? padded.narrow(0, 0, count) : padded;
            state.Handed = true;
            if (!ReferenceEquals(state.Mapped, padded)) state.Mapped?.Dispose();
            state.Mapped = null;
            _completed(move.Piece.Item, padded, view);
        }
    });

    private void KeepOwnRowsOnRoot(ShardPiece piece, ShardedLoadItem item, State state)
    {
        long chunk = ShardMath.ChunkRows(item.Rows, _group.Size);
        if (state.Mapped is not null)
        {
            long firstOther = Math.Max(piece.RowStart, chunk);
            long end = piece.RowStart + piece.RowCount;
            if (end > firstOther)
                PageResidency.Release(TensorMemory.DataPointer(state.Mapped) + (nint)(firstOther * item.RowBytes), (end - firstOther) * item.RowBytes);
            return;
        }
        if (ReadsByRange(piece))
        {
            // Rank 0's rows went straight into its tensor; only the buffer of a piece larger than a batch is left.
            if (piece.ByteCount(item) > BatchBytes) state.LargePieces.Dequeue().Dispose();
            return;
        }
        if (!piece.IsLast || state.Staging is null) return;
        (long start, long count) = item.RowsOf(_group.Rank, _group.Size);
        using (torch.Tensor own = state.Staging.narrow(0, start, count))
        using (torch.Tensor local = state.Local!.narrow(0, 0, count))
            local.copy_(own);
        state.Staging.Dispose();
        state.Staging = null;
    }

    private sealed class State
    {
        public torch.Tensor? Mapped;
        public torch.Tensor? Local;
        public torch.Tensor? Staging;
        public readonly Queue<torch.Tensor> LargePieces = new();
        public bool Handed;
    }
}
