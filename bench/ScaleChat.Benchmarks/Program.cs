using BenchmarkDotNet.Running;
using ScaleChat.Benchmarks;

// "idle ..." measures memory per idle client against a running server, "server-idle ..." memory per
// idle connection on a server it runs; anything else goes to BenchmarkDotNet.
if (args is ["idle", .. var rest])
{
    return await ClientIdleMemory.RunAsync(rest);
}

if (args is ["throughput", .. var throughputArgs])
{
    return await ServerThroughput.RunAsync(throughputArgs);
}

if (args is ["server-idle", .. var serverArgs])
{
    return await ServerIdleMemory.RunAsync(serverArgs);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
