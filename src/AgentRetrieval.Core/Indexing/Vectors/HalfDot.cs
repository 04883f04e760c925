using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AgentRetrieval.Indexing.Vectors;

/// <summary>
/// The dot product of a float16 row with a float32 query, converting in registers (16 values per step with 256-bit
/// vectors). Compiled optimised at once: a fresh process scans a whole index in its first second, before tiered
/// compilation would have replaced slower first-tier code.
/// </summary>
internal static class HalfDot
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(ReadOnlySpan<Half> row, ReadOnlySpan<float> query)
    {
        int n = Math.Min(row.Length, query.Length);
        ref ushort h = ref Unsafe.As<Half, ushort>(ref MemoryMarshal.GetReference(row));
        ref float q = ref MemoryMarshal.GetReference(query);
        int i = 0;
        float sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= 16)
        {
            Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
            for (; i <= n - 16; i += 16)
            {
                (Vector256<uint> lower, Vector256<uint> upper) = Vector256.Widen(Vector256.LoadUnsafe(ref h, (nuint)i));
                acc0 += ToSingle(lower) * Vector256.LoadUnsafe(ref q, (nuint)i);
                acc1 += ToSingle(upper) * Vector256.LoadUnsafe(ref q, (nuint)(i + 8));
            }

            sum = Vector256.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            sum += (float)BitConverter.UInt16BitsToHalf(Unsafe.Add(ref h, i)) * Unsafe.Add(ref q, i);
        }

        return sum;
    }

    /// <summary>IEEE half to single, exactly: normal numbers re-biased, subnormals scaled, infinities and NaN kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ToSingle(Vector256<uint> half)
    {
        Vector256<uint> sign = (half & Vector256.Create(0x8000u)) << 16;
        Vector256<uint> magnitude = half & Vector256.Create(0x7FFFu);
        Vector256<uint> normal = (magnitude << 13) + Vector256.Create(112u << 23);
        Vector256<uint> special = (magnitude << 13) | Vector256.Create(0x7F800000u);
        Vector256<float> subnormal = Vector256.ConvertToSingle(magnitude.AsInt32()) * Vector256.Create(5.9604645e-8f); // × 2^-24
        Vector256<uint> bits = Vector256.ConditionalSelect(Vector256.LessThan(magnitude, Vector256.Create(0x0400u)), subnormal.AsUInt32(),
            Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(0x7C00u)), special, normal));
        return (bits | sign).AsSingle();
    }
}
