namespace Janus.Fuzz.Tests;

/// <summary>One input made the code under test allocate more than its <see cref="AllocationBudget"/>.</summary>
internal sealed class AllocationBudgetExceededException : Xunit.Sdk.XunitException
{
    public AllocationBudgetExceededException(string message)
        : base(message)
    {
    }
}
