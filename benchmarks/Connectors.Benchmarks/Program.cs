using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Connectors.Benchmarks -- --filter '*'
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(12).AsDefault());
BenchmarkSwitcher.FromAssembly(typeof(Connectors.Benchmarks.CannedProvider).Assembly).Run(args, config);
