// The bertgen commands (train, explore, predict, report, export) for the model of this project's bertgen.json.
// With several *.bertgen.json files, 'dotnet run -- --model NAME' picks the one to train.
return BertGen.Cli.BertGenApp.Run(args);
