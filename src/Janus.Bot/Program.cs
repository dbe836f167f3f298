using Janus.Bot.Cli;

return await BotCommandLine.Build().Parse(args).InvokeAsync();
