using BertGen.Demo;
var m = new TinyBert(42);
Console.WriteLine(m.Parameters.Length);
