namespace AkkaLockstep.Integration.Tests.Harness;

/// <summary>Finds the repository and the built CLI from the test's output folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>lockstep.dll built in the same configuration as the tests (the test project references the CLI).</summary>
    public static string CliDll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
            var path = Path.Combine(Root, "src", "AkkaLockstep.Cli", "bin", configuration, "net10.0", "lockstep.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"CLI not built at {path}");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AkkaLockstep.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("AkkaLockstep.sln not found above " + AppContext.BaseDirectory);
    }
}
