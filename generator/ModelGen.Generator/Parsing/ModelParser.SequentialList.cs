using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// <c>ModuleList&lt;Sequential&gt;</c> fields: entry <c>i</c>'s children are registered as <c>name.i.0</c>, <c>name.i.1</c>,
/// ... (or by their given names), so the keys are known when every entry is an <c>nn.Sequential(...)</c> listing the
/// same children, wherever the list's entries are found (initializer, <c>Enumerable.Range(...).Select(...)</c>, a
/// collection expression, <c>Add</c> in a loop).
/// </summary>
internal sealed partial class ModelParser
{
    private MemberSpec? SequentialList(IFieldSymbol field, string key, LocationInfo? location, string display)
    {
        string type = field.Type.ToDisplayString();
        var found = CreationFinder.ListEntries(field, _models);
        if (found is not { Entries.Count: > 0 } list)
        {
            Report(Descriptors.OpaqueModule, found?.Creation.Location ?? location, display, type,
                "the entries of a module list of Sequential blocks are known only when the list is created in one place (its initializer, "
                + "Enumerable.Range(...).Select(...), a collection expression, or Add in a constructor) with each entry an nn.Sequential(...) listing its children");
            return null;
        }

        // Entries that share one expression (a loop's iterations) would report the same problem once each.
        int reportedBefore = _diagnostics.Count;
        MemberSpec? result = SequentialEntries(field, key, location, display, type, list.Creation, list.Entries);
        DropRepeatedReports(reportedBefore);
        return result;
    }

    /// <summary>The list's member when every entry is an <c>nn.Sequential(...)</c> with the same children; null (reported) otherwise.</summary>
    private MemberSpec? SequentialEntries(IFieldSymbol field, string key, LocationInfo? location, string display, string type,
        CreationSpec listCreation, List<(ExpressionSyntax Expression, DimEvaluator Evaluator)> entries)
    {
        List<MemberSpec>? first = null;
        bool argumentsAlike = true;
        string entryDisplay = display + "[{i}]";
        for (int index = 0; index < entries.Count; index++)
        {
            var (expression, evaluator) = entries[index];
            ExpressionSyntax entry = DimEvaluator.Unwrap(expression);
            ArgumentListSyntax? arguments = SequentialArguments(entry);
            if (arguments is null)
            {
                Report(Descriptors.OpaqueModule, LocationInfo.FromSyntax(entry), display, type,
                    "each entry of a module list of Sequential blocks must be created as nn.Sequential(...) with its children listed, so their keys are known");
                return null;
            }
            List<MemberSpec>? children = SequentialChildren(field, arguments, entryDisplay, evaluator);
            if (children is null) return null;
            if (first is null)
            {
                first = children;
                continue;
            }
            if (!SameChildren(first, children))
            {
                Report(Descriptors.OpaqueModule, listCreation.Location ?? location, display, type,
                    $"its entries are not all built alike (entry {index.ToString(CultureInfo.InvariantCulture)} differs from entry 0 in the names, types or "
                    + "optional tensors of its children), so their keys differ; build every entry with the same children, or use a custom module");
                return null;
            }
            argumentsAlike &= first.Zip(children, (a, b) => SameArguments(a.Creation, b.Creation)).All(same => same);
        }

        // Entries whose children take different sizes keep their keys; only their shapes are not checkable.
        CreationSpec creation = listCreation with { Arguments = EquatableArray<NamedDim>.Empty, Complete = argumentsAlike };
        return new MemberSpec(field.Name, key, MemberKind.SequentialList, null, null, null, location)
        {
            Children = first!.ToEquatableArray(),
            Creation = creation,
        };
    }

    /// <summary>Keeps the first of equal diagnostics reported since <paramref name="start"/>.</summary>
    private void DropRepeatedReports(int start)
    {
        var seen = new HashSet<DiagnosticInfo>();
        int write = start;
        for (int read = start; read < _diagnostics.Count; read++)
        {
            if (seen.Add(_diagnostics[read])) _diagnostics[write++] = _diagnostics[read];
        }
        _diagnostics.RemoveRange(write, _diagnostics.Count - write);
    }

    /// <summary>Children with the same names, kinds, layer types, tensors and module types: entries that register the same keys.</summary>
    private static bool SameChildren(List<MemberSpec> a, List<MemberSpec> b) =>
        a.Count == b.Count && a.Zip(b, (x, y) => x.Key == y.Key && x.Kind == y.Kind && Equals(x.Layer, y.Layer) && x.ModuleType == y.ModuleType).All(same => same);

    private static bool SameArguments(CreationSpec? a, CreationSpec? b) =>
        a is not null && b is not null && a.Complete && b.Complete && CreationFinder.Same(a.Arguments, b.Arguments);
}
