using Janus.Server.Hosting;

WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
builder.AddJanus(args);
WebApplication app = builder.Build();
app.MapJanus();
await app.RunAsync();
