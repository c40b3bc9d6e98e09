using BenchmarkDotNet.Running;
using ScaleChat.Benchmarks;

// "idle ..." measures memory per idle client against a running server, "server-idle ..." memory per
// idle connection on a server it runs, "throughput ..." fan-out of a running server, "robustness ..."
// what room churn and non-reading clients cost a server build it starts, "churn ..." churns rooms
// and connections on a running server (for bench/soak.sh), "connect-cost ..." what identity checks cost
// a server build per connection; anything else goes to BenchmarkDotNet.
if (args is ["idle", .. var rest])
{
    return await ClientIdleMemory.RunAsync(rest);
}

if (args is ["throughput", .. var throughputArgs])
{
    return await ServerThroughput.RunAsync(throughputArgs);
}

if (args is ["robustness", .. var robustnessArgs])
{
    return await Robustness.RunAsync(robustnessArgs);
}

if (args is ["churn", .. var churnArgs])
{
    return await RoomChurn.RunAsync(churnArgs);
}

if (args is ["connect-cost", .. var connectArgs])
{
    return await ScaleChat.Benchmarks.ConnectCost.RunAsync(connectArgs);
}

if (args is ["server-idle", .. var serverArgs])
{
    return await ServerIdleMemory.RunAsync(serverArgs);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
