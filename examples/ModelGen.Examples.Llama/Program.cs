using ModelGen.Examples.Llama;
using ModelGen.Examples.Running;

return ExampleCommand.Run(new LlamaRecipe(), args);
