using ModelGen.Examples.Moe;
using ModelGen.Examples.Running;

return ExampleCommand.Run(new MoeRecipe(), args);
