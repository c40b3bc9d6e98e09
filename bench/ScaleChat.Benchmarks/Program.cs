using BenchmarkDotNet.Running;
using ScaleChat.Benchmarks;

// "idle ..." measures memory per idle client against a running server; anything else goes to BenchmarkDotNet.
if (args is ["idle", .. var rest])
{
    return await ClientIdleMemory.RunAsync(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
