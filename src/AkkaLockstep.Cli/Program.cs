using AkkaLockstep.Cli;

return await CliApp.RunAsync(args, CliEnvironment.FromProcess());
