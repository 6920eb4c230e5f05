namespace AkkaLockstep.Chaos;

/// <summary>GaveUp: the depth-first search spent its allowance of configurations without an answer.</summary>
internal enum SearchVerdict { Linearizable, NotLinearizable, OutOfTime, GaveUp }
