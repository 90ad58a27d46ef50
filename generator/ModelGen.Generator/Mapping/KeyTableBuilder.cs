using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// Flattens a model's module tree into its key table: every key pattern from the root, in field declaration order
/// (own fields before base-class fields, as TorchSharp registers them), with <c>{i}</c> for module list indices
/// and <c>{key}</c> for module dictionary keys. Reports keys claimed twice and ties to keys that do not exist.
/// </summary>
internal static class KeyTableBuilder
{
    public const string ListIndex = "{i}";
    public const string DictKey = "{key}";

    public static KeyTable Build(ModelSpec model)
    {
        var types = model.ModuleTypes.ToDictionary(t => t.FullName, System.StringComparer.Ordinal);
        var entries = new List<KeyEntry>();
        var diagnostics = new List<DiagnosticInfo>();
        var byPattern = new Dictionary<string, KeyEntry>(System.StringComparer.Ordinal);
        var containers = new List<ContainerAnchor>();

        void Add(KeyEntry entry)
        {
            if (byPattern.TryGetValue(entry.Pattern, out KeyEntry? first))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.DuplicateKey, entry.Location, entry.Pattern, first.Member, entry.Member));
                return;
            }
            byPattern.Add(entry.Pattern, entry);
            entries.Add(entry);
        }

        void Walk(string typeName, string prefix, ImmutableList lists, HashSet<string> stack)
        {
            if (!types.TryGetValue(typeName, out ModuleTypeSpec? type) || !stack.Add(typeName)) return;
            foreach (MemberSpec member in type.Members)
            {
                string memberName = type.Name + "." + member.FieldName;
                string path = prefix + member.Key;
                if (member.ModuleType is not null && stack.Contains(member.ModuleType))
                {
                    // A module that contains its own type has no finite key table.
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.OpaqueModule, member.Location, memberName,
                        member.ModuleType.Substring("global::".Length), "it contains a module of its own type, so its keys have no end"));
                    continue;
                }
                switch (member.Kind)
                {
                    case MemberKind.Parameter:
                    case MemberKind.Buffer:
                        TensorSpec t = member.Tensor!;
                        Add(Entry(path, t, type.FullName, memberName, member.Location, lists));
                        break;
                    case MemberKind.Layer:
                        containers.Add(new ContainerAnchor(path, member.Location));
                        AddLayer(member.Layer!, path, memberName, member.Location, lists);
                        break;
                    case MemberKind.Module:
                        containers.Add(new ContainerAnchor(path, member.Location));
                        Walk(member.ModuleType!, path + ".", lists, stack);
                        break;
                    case MemberKind.Sequential:
                        foreach (MemberSpec child in member.Children)
                        {
                            string childPath = path + "." + child.Key;
                            if (child.Layer is not null) AddLayer(child.Layer, childPath, memberName + "[" + child.Key + "]", child.Location, lists);
                            else if (child.ModuleType is not null && !stack.Contains(child.ModuleType)) Walk(child.ModuleType, childPath + ".", lists, stack);
                        }
                        break;
                    case MemberKind.SequentialList:
                    {
                        containers.Add(new ContainerAnchor(path, member.Location));
                        string entry = path + "." + ListIndex;
                        ImmutableList entryLists = lists.With(new ListAnchor(entry, lists.Last?.Prefix, memberName, member.Location));
                        foreach (MemberSpec child in member.Children)
                        {
                            string childPath = entry + "." + child.Key;
                            if (child.Layer is not null) AddLayer(child.Layer, childPath, memberName + "[{i}][" + child.Key + "]", child.Location, entryLists);
                            else if (child.ModuleType is not null && !stack.Contains(child.ModuleType)) Walk(child.ModuleType, childPath + ".", entryLists, stack);
                        }
                        break;
                    }
                    case MemberKind.List:
                    case MemberKind.Dict:
                        containers.Add(new ContainerAnchor(path, member.Location));
                        bool isList = member.Kind == MemberKind.List;
                        string element = path + "." + (isList ? ListIndex : DictKey);
                        ImmutableList inner = isList ? lists.With(new ListAnchor(element, lists.Last?.Prefix, memberName, member.Location)) : lists;
                        if (member.Layer is not null) AddLayer(member.Layer, element, memberName, member.Location, inner);
                        else Walk(member.ModuleType!, element + ".", inner, stack);
                        break;
                }
            }
            if (type.BaseModuleType is not null) Walk(type.BaseModuleType, prefix, lists, stack);
            stack.Remove(typeName);
        }

        void AddLayer(LayerSpec layer, string path, string memberName, LocationInfo? location, ImmutableList lists)
        {
            foreach (TensorSpec t in layer.Tensors)
            {
                Add(Entry(path + "." + t.Name, t, layer.TypeName, memberName + "." + t.Name, location, lists));
            }
        }

        Walk(model.FullName, "", ImmutableList.Empty, new HashSet<string>(System.StringComparer.Ordinal));

        foreach (KeyEntry entry in entries)
        {
            if (entry.TiedTo is null) continue;
            if (!byPattern.TryGetValue(entry.TiedTo, out KeyEntry? target))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.AttributeMisuse, entry.Location,
                    $"[TiedTo] on '{entry.Member}' names '{entry.TiedTo}', which is not a key of '{model.MetadataName}'"));
            }
            else if (target.Kind != SlotKind.Parameter || target.TiedTo is not null || target.Pattern.Contains(ListIndex) || target.Pattern.Contains(DictKey))
            {
                // The tie is a concrete key handed to the loader, so it must name one untied parameter outside lists.
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.AttributeMisuse, entry.Location,
                    $"[TiedTo] on '{entry.Member}' names '{entry.TiedTo}', which is not one untied parameter outside module lists and dictionaries"));
            }
        }

        return new KeyTable(model.MetadataName, entries.ToEquatableArray(), model.IgnoredKeys, diagnostics.ToEquatableArray())
        {
            Containers = containers.ToEquatableArray(),
        };
    }

    private static KeyEntry Entry(string pattern, TensorSpec tensor, string owner, string member, LocationInfo? location, ImmutableList lists) =>
        new(pattern,
            tensor.Kind,
            owner.StartsWith("global::", System.StringComparison.Ordinal) ? owner.Substring("global::".Length) : owner,
            tensor.InitDescription,
            tensor.Presence == Presence.Runtime,
            tensor.TiedTo,
            tensor.ComputeMethod is not null,
            member,
            location,
            lists.Items)
        {
            DeclaredNew = tensor.DeclaredNew,
        };

    /// <summary>The module lists enclosing the current position, outermost first.</summary>
    private readonly struct ImmutableList
    {
        public static readonly ImmutableList Empty = new(EquatableArray<ListAnchor>.Empty);

        private ImmutableList(EquatableArray<ListAnchor> items) => Items = items;

        public EquatableArray<ListAnchor> Items { get; }

        public ListAnchor? Last => Items.Count == 0 ? null : Items[Items.Count - 1];

        public ImmutableList With(ListAnchor anchor) => new(Items.Concat(new[] { anchor }).ToEquatableArray());
    }
}
