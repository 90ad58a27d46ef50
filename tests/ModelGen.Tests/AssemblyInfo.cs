// TorchSharp's default device is process-wide: meta construction in one test would put tensors that another
// test creates at the same time on the meta device. Tests in this assembly run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
