namespace ModelGen.Sharding;

/// <summary>One piece as a transport sees it on this rank: where rank 0 holds its bytes, and where this rank's share goes.</summary>
/// <param name="Piece">The rows that move.</param>
/// <param name="Item">The tensor they belong to.</param>
/// <param name="Source">On rank 0, the address of the piece's first byte; 0 elsewhere.</param>
/// <param name="Destination">The address of this rank's own tensor (its first row); the share's offset is added by the transport.</param>
internal sealed record PieceMove(ShardPiece Piece, ShardedLoadItem Item, nint Source, nint Destination);

/// <summary>How each rank's share of a batch of pieces gets from rank 0's memory into the rank's own tensors.</summary>
internal interface IShardTransport
{
    /// <summary>The name the load report gives this transport.</summary>
    string Name { get; }

    /// <summary>
    /// Called on every rank, in the same order, once the ranks agreed that rank 0 has every piece of the batch resident.
    /// Rank 0's sources must stay resident and unchanged until the next agreement: a transport may still be copying.
    /// Rank 0's own share is not moved: it is in place already or copied by the caller.
    /// </summary>
    /// <param name="batch">The pieces, as this rank sees them.</param>
    /// <param name="rootSources">Every piece's <see cref="PieceMove.Source"/> on rank 0, known on every rank: the agreement carried them.</param>
    /// <returns>This rank's failure to receive, agreed on at the next agreement; <see langword="null"/> on success.</returns>
    Exception? Move(IReadOnlyList<PieceMove> batch, ReadOnlySpan<long> rootSources);
}
