using System.Text;
using System.Text.Json;
using ModelGen.SafeTensors;

namespace ModelGen.Distributed;

/// <summary>
/// The all-ranks error agreement on top of two collectives every group has: a max-reduction tells every rank
/// whether any failed and which failing rank is lowest, then that rank broadcasts a description of its failure:
/// the message, and for a checkpoint error its kind, rule, file, key and detail, from which every rank rebuilds
/// the same typed exception.
/// </summary>
internal static class ErrorAgreement
{
    /// <summary>Messages longer than this (in UTF-8 bytes) are cut, so a huge message cannot stall the job.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    public static DistributedLoadException? Agree(IProcessGroup group, Exception? localFailure)
    {
        long highest = group.AllReduceMax(Vote(group, localFailure));
        if (highest == 0)
            return null;

        int failingRank = checked((int)(group.Size - highest));
        byte[] sent = failingRank == group.Rank ? AgreedFailure.From(localFailure!).Encode() : [];
        AgreedFailure agreed = AgreedFailure.Decode(group.BroadcastMessage(sent, failingRank));
        var exception = new DistributedLoadException(failingRank, group.Size, agreed.Message, failingRank == group.Rank ? localFailure : null);
        exception.CheckpointFailure = agreed.Rebuild(exception);
        return exception;
    }

    /// <summary>
    /// This rank's vote in a max-reduction: 0 without a failure; lower ranks map to larger values, so the maximum
    /// names the lowest failing rank.
    /// </summary>
    public static long Vote(IProcessGroup group, Exception? localFailure) => localFailure is null ? 0 : group.Size - group.Rank;

    /// <summary>How a failure is described to the other ranks: its type and message.</summary>
    public static string Describe(Exception failure) => $"{failure.GetType().FullName}: {failure.Message}";

    /// <summary>Cuts <paramref name="text"/> to at most <see cref="MaxMessageBytes"/> UTF-8 bytes on a character boundary.</summary>
    internal static string Cut(string text)
    {
        if (Encoding.UTF8.GetByteCount(text) <= MaxMessageBytes)
            return text;
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        // Decoding a prefix drops a split trailing character as a replacement character, trimmed here.
        return Encoding.UTF8.GetString(bytes, 0, MaxMessageBytes).TrimEnd('\uFFFD') + " [...]";
    }

    /// <summary>What travels from the failing rank: its message and, for a checkpoint error, the error's facts.</summary>
    private sealed record AgreedFailure(string Message, string? Kind, SafeTensorsRule Rule, string? File, string? Key, string? Detail)
    {
        private const string Format = "format", Index = "index", Read = "read";

        public static AgreedFailure From(Exception failure)
        {
            string message = Describe(failure);
            for (Exception? e = failure; e is not null; e = e.InnerException)
            {
                string? kind = e switch
                {
                    SafeTensorsFormatException => Format,
                    SafeTensorsIndexException => Index,
                    SafeTensorsReadException => Read,
                    _ => null,
                };
                if (kind is not null && e is SafeTensorsException typed)
                    return new AgreedFailure(message, kind, typed.Rule, typed.FilePath, typed.Key, typed.Detail);
            }
            return new AgreedFailure(message, null, default, null, null, null);
        }

        public byte[] Encode()
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("message", Cut(Message));
                if (Kind is not null)
                {
                    writer.WriteString("kind", Kind);
                    writer.WriteString("rule", Rule.ToString());
                    writer.WriteString("file", Cut(File!));
                    if (Key is not null) writer.WriteString("key", Cut(Key));
                    writer.WriteString("detail", Cut(Detail!));
                }
                writer.WriteEndObject();
            }
            return buffer.ToArray();
        }

        public static AgreedFailure Decode(byte[] payload)
        {
            using JsonDocument document = JsonDocument.Parse(payload);
            JsonElement root = document.RootElement;
            string message = root.GetProperty("message").GetString()!;
            if (!root.TryGetProperty("kind", out JsonElement kind)
                || !Enum.TryParse(root.GetProperty("rule").GetString(), out SafeTensorsRule rule))
                return new AgreedFailure(message, null, default, null, null, null);
            return new AgreedFailure(message, kind.GetString(), rule, root.GetProperty("file").GetString(),
                root.TryGetProperty("key", out JsonElement key) ? key.GetString() : null, root.GetProperty("detail").GetString());
        }

        /// <summary>The checkpoint error, rebuilt with <paramref name="agreed"/> as its inner exception; null for other failures.</summary>
        public SafeTensorsException? Rebuild(DistributedLoadException agreed) => Kind switch
        {
            Format => new SafeTensorsFormatException(Rule, File!, Key, Detail!, agreed),
            Index => new SafeTensorsIndexException(Rule, File!, Key, Detail!, agreed),
            Read => new SafeTensorsReadException(Rule, File!, Key, Detail!, agreed),
            _ => null,
        };
    }
}
