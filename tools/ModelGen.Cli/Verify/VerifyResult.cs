namespace ModelGen.Cli.Verify;

/// <summary>What a successful verification read.</summary>
internal sealed record VerifyResult(IReadOnlyList<VerifiedFile> Files, long Tensors, long Bytes, TimeSpan Elapsed);

/// <summary>One file read to its end.</summary>
internal sealed record VerifiedFile(string Path, long Tensors, long Bytes);
