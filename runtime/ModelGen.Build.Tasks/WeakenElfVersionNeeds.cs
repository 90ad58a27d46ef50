using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ModelGen.Build.Tasks;

/// <summary>
/// Marks chosen GLIBCXX version requirements of ELF64 shared libraries as weak, when the host's libstdc++ does not
/// provide them. See ModelGen.NativeFixup.targets.
/// </summary>
public sealed class ModelGenWeakenElfVersionNeeds : Task
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>The libraries to patch (copies in the build or publish output, never the package cache).</summary>
    [Required] public string[] Libraries { get; set; } = Array.Empty<string>();

    /// <summary>The version names (GLIBCXX_3.4.32) to mark weak when the host libstdc++ lacks them.</summary>
    [Required] public string[] Versions { get; set; } = Array.Empty<string>();

    /// <inheritdoc />
    public override bool Execute()
    {
        string? hostLibrary = FindHostLibStdCxx();
        if (hostLibrary == null)
        {
            Log.LogMessage(MessageImportance.Low, "ModelGen: no host libstdc++.so.6 found; TorchSharp native library left as is.");
            return true;
        }
        byte[] host = File.ReadAllBytes(hostLibrary);
        string[] missing = Versions.Where(v => IndexOf(host, Encoding.ASCII.GetBytes(v + "\0")) < 0).ToArray();
        if (missing.Length == 0) return true;

        foreach (string library in Libraries.Distinct())
        {
            if (!File.Exists(library)) continue;
            byte[] image = File.ReadAllBytes(library);
            List<string> weakened;
            try { weakened = Weaken(image, missing); }
            catch (Exception e) when (e is InvalidDataException || e is ArgumentException || e is IndexOutOfRangeException)
            {
                Log.LogError("ModelGen: cannot patch {0}: {1}", library, e.Message);
                return false;
            }
            if (weakened.Count == 0) continue;
            // Write a new file and move it over the old one, so a hard link into the package cache is never written through.
            // Keep the copy's time stamp, so the incremental copy step still sees it as up to date and
            // does not overwrite it with the unpatched original on the next build.
            DateTime stamp = File.GetLastWriteTimeUtc(library);
            string temporary = library + ".modelgen-tmp";
            File.WriteAllBytes(temporary, image);
            File.Copy(temporary, library, overwrite: true);
            File.Delete(temporary);
            File.SetLastWriteTimeUtc(library, stamp);
            Log.LogMessage(MessageImportance.High,
                "ModelGen: host libstdc++ ({0}) lacks {1}; marked as weak in {2} (opt out: ModelGenPatchTorchSharpNative=false).",
                hostLibrary, string.Join(", ", weakened), library);
        }
        return true;
    }

    private static string? FindHostLibStdCxx()
    {
        var directories = new List<string>();
        string? ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        if (!string.IsNullOrEmpty(ldPath)) directories.AddRange(ldPath.Split(':'));
        directories.AddRange(new[]
        {
            "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu",
            "/usr/lib64", "/lib64", "/usr/lib", "/lib",
        });
        return directories.Where(d => d.Length > 0).Select(d => Path.Combine(d, "libstdc++.so.6")).FirstOrDefault(File.Exists);
    }

    /// <summary>Sets VER_FLG_WEAK on every .gnu.version_r auxiliary entry whose name is in <paramref name="versions"/>.</summary>
    private static List<string> Weaken(byte[] image, string[] versions)
    {
        if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (image[4] != 2 || image[5] != 1) throw new InvalidDataException("not a little-endian ELF64 file");

        ulong sectionTable = BitConverter.ToUInt64(image, 0x28);
        int entrySize = BitConverter.ToUInt16(image, 0x3A);
        int sectionCount = BitConverter.ToUInt16(image, 0x3C);
        var weakened = new List<string>();
        for (int s = 0; s < sectionCount; s++)
        {
            int header = checked((int)(sectionTable + (ulong)(s * entrySize)));
            if (BitConverter.ToUInt32(image, header + 4) != ShtGnuVerneed) continue;
            int offset = checked((int)BitConverter.ToUInt64(image, header + 0x18));
            int stringSection = (int)BitConverter.ToUInt32(image, header + 0x28);
            int needCount = (int)BitConverter.ToUInt32(image, header + 0x2C);
            int stringHeader = checked((int)(sectionTable + (ulong)(stringSection * entrySize)));
            int strings = checked((int)BitConverter.ToUInt64(image, stringHeader + 0x18));

            int need = offset;
            for (int n = 0; n < needCount; n++)
            {
                int auxCount = BitConverter.ToUInt16(image, need + 2);
                int aux = need + (int)BitConverter.ToUInt32(image, need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    string name = ReadString(image, strings + (int)BitConverter.ToUInt32(image, aux + 8));
                    ushort flags = BitConverter.ToUInt16(image, aux + 4);
                    if (Array.IndexOf(versions, name) >= 0 && (flags & VerFlagWeak) == 0)
                    {
                        BitConverter.GetBytes((ushort)(flags | VerFlagWeak)).CopyTo(image, aux + 4);
                        weakened.Add(name);
                    }
                    aux += (int)BitConverter.ToUInt32(image, aux + 12);
                }
                need += (int)BitConverter.ToUInt32(image, need + 12);
            }
        }
        return weakened;
    }

    private static string ReadString(byte[] image, int start)
    {
        int end = Array.IndexOf(image, (byte)0, start);
        return Encoding.ASCII.GetString(image, start, end - start);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i <= haystack.Length - needle.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }
}
