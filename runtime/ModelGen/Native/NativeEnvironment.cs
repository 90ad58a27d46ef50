using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelGen.Native;

/// <summary>
/// Native process settings that libtorch reads once, at its first CPU allocation, from the C environment
/// (not from .NET's copy of it): they must be in place before the first tensor exists.
/// </summary>
public static partial class NativeEnvironment
{
    /// <summary>
    /// libtorch's switch for transparent huge pages on large CPU allocations. On VMs that fault fresh 4 KiB
    /// pages slowly it makes filling freshly allocated tensors many times faster.
    /// </summary>
    public const string HugePagesVariable = "THP_MEM_ALLOC_ENABLE";

    /// <summary>
    /// Turns on libtorch's huge-page allocation for this process unless the user's environment already says
    /// otherwise (any value of <see cref="HugePagesVariable"/>, for example <c>0</c>, wins). Safe to call many
    /// times; it only has an effect before libtorch's first CPU allocation.
    /// </summary>
    /// <returns><see langword="true"/> when huge pages are requested for this process.</returns>
    public static bool EnableHugePagesByDefault()
    {
        return SetDefault(HugePagesVariable, "1") == "1";
    }

    /// <summary>
    /// Sets <paramref name="name"/> in the C environment (and .NET's copy) unless it is already set: the user's own
    /// environment always wins. For settings native libraries read once, at their initialization.
    /// </summary>
    /// <returns>The value in force afterwards.</returns>
    public static string SetDefault(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        if (GetNative(name) is { } existing) return existing;
        SetNative(name, value);
        return GetNative(name) ?? value;
    }

    /// <summary>Whether libtorch will see huge pages requested in this process's C environment.</summary>
    public static bool HugePagesRequested => GetNative(HugePagesVariable) == "1";

    // Runs when this assembly is first loaded: any process that uses the loader gets huge pages by default,
    // early enough for applications that touch ModelGen before they create tensors.
#pragma warning disable CA2255 // A library module initializer is the point here: it must run before user code allocates tensors.
    [ModuleInitializer]
    internal static void ApplyDefaults() => EnableHugePagesByDefault();
#pragma warning restore CA2255

    private static string? GetNative(string name)
    {
        nint value = getenv(name);
        return value == 0 ? null : Marshal.PtrToStringUTF8(value);
    }

    private static void SetNative(string name, string value)
    {
        if (setenv(name, value, overwrite: 0) != 0)
            throw new InvalidOperationException($"setenv({name}) failed with errno {Marshal.GetLastPInvokeError()}.");
        Environment.SetEnvironmentVariable(name, GetNative(name));
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getenv(string name);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int setenv(string name, string value, int overwrite);
}
