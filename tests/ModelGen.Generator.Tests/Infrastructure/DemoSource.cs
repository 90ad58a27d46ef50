namespace ModelGen.Generator.Tests.Infrastructure;

/// <summary>What every one-file test model in namespace <c>Demo</c> begins with.</summary>
internal static class DemoSource
{
    /// <summary>The usings a TorchSharp <c>[ShardedModel]</c> needs (LINQ and collections included) and <c>namespace Demo;</c>.</summary>
    public const string Usings = """
        using System.Collections.Generic;
        using System.Linq;
        using ModelGen;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;
        namespace Demo;

        """;
}
