using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ModelGen.Generator.Parsing;

/// <summary>
/// Per-parse caches: one semantic model per syntax tree (creating one binds from scratch), and the field
/// assignments in each type's constructors, indexed by field name so each constructor is walked once.
/// Lives only for one parse; nothing here enters the pipeline.
/// </summary>
internal sealed class SemanticModels
{
    private readonly Compilation _compilation;
    private readonly Dictionary<SyntaxTree, SemanticModel> _models = new();
    private readonly Dictionary<INamedTypeSymbol, Dictionary<string, List<AssignmentExpressionSyntax>>> _assignments = new(SymbolEqualityComparer.Default);

    public SemanticModels(SemanticModel first)
    {
        _compilation = first.Compilation;
        _models[first.SyntaxTree] = first;
    }

    public SemanticModel For(SyntaxTree tree)
    {
        if (!_models.TryGetValue(tree, out SemanticModel? model)) _models[tree] = model = _compilation.GetSemanticModel(tree);
        return model;
    }

    /// <summary>Assignments to a member named <paramref name="name"/> (as <c>name = ...</c> or <c>this.name = ...</c>) in the instance constructors of <paramref name="type"/>.</summary>
    public IReadOnlyList<AssignmentExpressionSyntax> ConstructorAssignments(INamedTypeSymbol type, string name)
    {
        if (!_assignments.TryGetValue(type, out var byName))
        {
            byName = new Dictionary<string, List<AssignmentExpressionSyntax>>(System.StringComparer.Ordinal);
            foreach (IMethodSymbol constructor in type.InstanceConstructors)
            {
                foreach (SyntaxReference reference in constructor.DeclaringSyntaxReferences)
                {
                    foreach (AssignmentExpressionSyntax assignment in reference.GetSyntax().DescendantNodes().OfType<AssignmentExpressionSyntax>())
                    {
                        string? target = assignment.Left switch
                        {
                            IdentifierNameSyntax id => id.Identifier.ValueText,
                            MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: var n } => n.Identifier.ValueText,
                            _ => null,
                        };
                        if (target is null) continue;
                        if (!byName.TryGetValue(target, out var list)) byName[target] = list = new List<AssignmentExpressionSyntax>();
                        list.Add(assignment);
                    }
                }
            }
            _assignments[type] = byName;
        }
        return byName.TryGetValue(name, out var found) ? found : (IReadOnlyList<AssignmentExpressionSyntax>)System.Array.Empty<AssignmentExpressionSyntax>();
    }
}
