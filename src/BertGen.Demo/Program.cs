using BertGen.Demo.Cli;

return BertGenCli.Run(args, Console.Out, Console.Error);
