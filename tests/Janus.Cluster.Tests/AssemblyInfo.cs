// The cluster tests start Redis and several nodes each; on a 2-core machine they are steadier one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
