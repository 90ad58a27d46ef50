System.Console.WriteLine("ModelGen quickstart: see README.");
