// The bertgen console program: the BertGen commands for the model of bertgen.json beside this file.
return BertGen.Cli.BertGenApp.Run(args);
