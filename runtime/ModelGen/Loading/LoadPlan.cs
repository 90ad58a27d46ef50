using ModelGen.Mapping;
using ModelGen.SafeTensors;
using TorchSharp;

namespace ModelGen.Loading;

/// <summary>
/// What every rank will do, decided from the checkpoint catalog and the model's generated slots alone, so that
/// all ranks build the same plan and find the same problems before any tensor moves.
/// </summary>
internal sealed class LoadPlan
{
    private LoadPlan(IReadOnlyList<LoadStep> loads, IReadOnlyList<InitStep> inits, IReadOnlyList<TensorSlot> tied,
                     IReadOnlyList<TensorSlot> computed, IReadOnlyList<string> ignored, IReadOnlyList<TiedCopy> tiedCopies)
    {
        Loads = loads;
        Inits = inits;
        Tied = tied;
        Computed = computed;
        Ignored = ignored;
        TiedCopies = tiedCopies;
    }

    /// <summary>Tensors to read (rank 0) and broadcast, in checkpoint order.</summary>
    public IReadOnlyList<LoadStep> Loads { get; }

    /// <summary>Tensors the checkpoint lacks: initialized on rank 0 and broadcast, in slot order.</summary>
    public IReadOnlyList<InitStep> Inits { get; }

    /// <summary>Slots that take the tensor of another slot.</summary>
    public IReadOnlyList<TensorSlot> Tied { get; }

    /// <summary>Buffers the model computes.</summary>
    public IReadOnlyList<TensorSlot> Computed { get; }

    /// <summary>
    /// Checkpoint keys skipped: ignore globs, unexpected keys under <see cref="UnexpectedKeyPolicy.Ignore"/>, computed
    /// buffers, and tied keys whose target the checkpoint lacks.
    /// </summary>
    public IReadOnlyList<string> Ignored { get; }

    /// <summary>
    /// Tied keys the checkpoint holds beside the key they are tied to: rank 0 compares the two before anything moves
    /// (<see cref="TiedCopy.HasSameBytes"/>), since the tie keeps only the target.
    /// </summary>
    public IReadOnlyList<TiedCopy> TiedCopies { get; }

    public long TotalBytes
    {
        get
        {
            // Plain loops: Enumerable.Sum over a long is compiled in every fresh process, on the load's clock.
            long total = 0;
            foreach (LoadStep load in Loads) total += load.ByteCount;
            foreach (InitStep init in Inits) total += init.ByteCount;
            return total;
        }
    }

    public static LoadPlan Build(string model, CheckpointCatalog catalog, IReadOnlyList<TensorSlot> slots, LoadOptions options,
                                 CheckpointKeyTable table, Func<string, bool> isIgnored)
    {
        var problems = new List<string>();
        var slotsByKey = new Dictionary<string, TensorSlot>(StringComparer.Ordinal);
        foreach (TensorSlot slot in slots)
        {
            if (!slotsByKey.TryAdd(slot.Key, slot))
                problems.Add($"'{slot.Key}': two members of the model claim this key");
        }

        var loads = new List<LoadStep>();
        var ignored = new List<string>();
        var tiedCopies = new List<TiedCopy>();
        var inCheckpoint = catalog.Entries.GroupBy(e => e.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (CatalogEntry entry in catalog.Entries)
        {
            if (!slotsByKey.TryGetValue(entry.Name, out TensorSlot? slot))
            {
                if (isIgnored(entry.Name) || table.UnexpectedKeys == UnexpectedKeyPolicy.Ignore) ignored.Add(entry.Name);
                else problems.Add($"'{entry.Name}' ({Path.GetFileName(entry.FilePath)}): no parameter or buffer of the model takes this key (UnexpectedKeys is Refuse: declare it with [IgnoreCheckpointKeys] or set UnexpectedKeys = Ignore)");
                continue;
            }
            if (slot.TiedTo is not null && inCheckpoint.TryGetValue(slot.TiedTo, out CatalogEntry? tiedTarget))
            {
                if (TiedCopy.ShapeProblem(entry, tiedTarget) is { } different) problems.Add(different);
                else tiedCopies.Add(new TiedCopy(entry, tiedTarget));
                continue;
            }
            if (slot.TiedTo is not null || slot.Computed)
            {
                ignored.Add(entry.Name);
                continue;
            }
            if (Describe(slot, problems) is not { } placeholder) continue;
            if (!entry.DType.TryGetScalarType(out torch.ScalarType fileType))
            {
                problems.Add($"'{entry.Name}' ({Path.GetFileName(entry.FilePath)}): dtype {entry.DType} has no TorchSharp element type");
                continue;
            }
            if (!Shapes.Equal(placeholder.Shape, entry.Shape))
            {
                problems.Add($"'{entry.Name}' ({Path.GetFileName(entry.FilePath)}): checkpoint shape [{string.Join(", ", entry.Shape)}], model shape [{string.Join(", ", placeholder.Shape)}]");
                continue;
            }
            torch.ScalarType target = TargetDType(placeholder.DType, options);
            if (ScalarTypes.IsFloatingPoint(fileType) != ScalarTypes.IsFloatingPoint(target) && fileType != target)
            {
                problems.Add($"'{entry.Name}' ({Path.GetFileName(entry.FilePath)}): checkpoint dtype {entry.DType} cannot be converted to the model's {target}");
                continue;
            }
            loads.Add(new LoadStep(entry, slot, placeholder.Shape, target));
        }

        var inits = new List<InitStep>();
        var tied = new List<TensorSlot>();
        var computed = new List<TensorSlot>();
        var refused = new List<string>();
        foreach (TensorSlot slot in slots)
        {
            if (slot.TiedTo is not null)
            {
                if (!slotsByKey.ContainsKey(slot.TiedTo)) problems.Add($"'{slot.Key}': tied to '{slot.TiedTo}', which is not a key of the model");
                tied.Add(slot);
                continue;
            }
            if (slot.Computed)
            {
                computed.Add(slot);
                continue;
            }
            if (inCheckpoint.ContainsKey(slot.Key)) continue;
            if (table.MissingKeys == MissingKeyPolicy.Refuse && !table.IsDeclaredNew(slot.Pattern))
            {
                refused.Add(slot.Key);
                continue;
            }
            if (!options.InitializeMissing)
            {
                problems.Add($"'{slot.Key}': the checkpoint lacks this {slot.Kind.ToString().ToLowerInvariant()} and initialization of missing tensors is off");
                continue;
            }
            if (slot.Initialize is null)
            {
                problems.Add($"'{slot.Key}': the checkpoint lacks this {slot.Kind.ToString().ToLowerInvariant()} and it has no initializer");
                continue;
            }
            if (Describe(slot, problems) is { } placeholder)
                inits.Add(new InitStep(slot, placeholder.Shape, TargetDType(placeholder.DType, options)));
        }

        // One line naming every refused key, so the message lists them all however many other problems there are.
        if (refused.Count > 0)
            problems.Insert(0, $"the checkpoint lacks {refused.Count} tensor(s) the model does not declare new, and MissingKeys is Refuse (declare them with [Initializer] or set MissingKeys = Initialize): {string.Join(", ", refused.Select(k => "'" + k + "'"))}");
        if (problems.Count > 0) throw new CheckpointMismatchException(model, catalog.Source, problems, refused);
        return new LoadPlan(loads, inits, tied, computed, ignored, tiedCopies);
    }

    private static Placeholder? Describe(TensorSlot slot, List<string> problems)
    {
        torch.Tensor? current = slot.Get();
        if (current is null)
        {
            problems.Add($"'{slot.Key}': the model member is null, so its shape is unknown (construct it before loading)");
            return null;
        }
        return new Placeholder(current.shape, current.dtype);
    }

    /// <summary>A slot's current shape and dtype. A class, not a tuple: a tuple of an array and an enum is compiled in every fresh process.</summary>
    private sealed record Placeholder(long[] Shape, torch.ScalarType DType);

    private static torch.ScalarType TargetDType(torch.ScalarType placeholder, LoadOptions options) =>
        options.DType is { } wanted && ScalarTypes.IsFloatingPoint(placeholder) ? wanted : placeholder;
}

/// <summary>Read one checkpoint tensor into a fresh tensor of the target dtype, then put it into its slot.</summary>
internal sealed record LoadStep(CatalogEntry Entry, TensorSlot Slot, long[] Shape, torch.ScalarType DType)
{
    public long ByteCount => ScalarTypes.ByteCount(Shape, DType);
}

/// <summary>Initialize one tensor the checkpoint lacks, then put it into its slot.</summary>
internal sealed record InitStep(TensorSlot Slot, long[] Shape, torch.ScalarType DType)
{
    public long ByteCount => ScalarTypes.ByteCount(Shape, DType);
}
