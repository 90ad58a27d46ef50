// `modelgen check` builds the model on the meta device in-process, and TorchSharp's default device is process-wide:
// a check running beside another test would put the tensors that test creates on the meta device. Tests in this
// assembly run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
