using AgentRetrieval.Indexing.Vectors;

namespace AgentRetrieval.Tests.Indexing.Vectors;

public sealed class HalfDotTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(512)]
    [InlineData(768)]
    public void Dot_EveryKindOfHalf_EqualsTheScalarConversion(int n)
    {
        var random = new Random(n);
        // Normal values of both signs, zeros, subnormals, the largest half and tiny ones.
        Half[] row = [.. Enumerable.Range(0, n).Select(i => (i % 7) switch
        {
            0 => (Half)0f,
            1 => BitConverter.UInt16BitsToHalf((ushort)random.Next(1, 0x400)),          // subnormal
            2 => BitConverter.UInt16BitsToHalf((ushort)(0x8000 | random.Next(1, 0x400))), // negative subnormal
            3 => Half.MaxValue,
            _ => (Half)((float)((random.NextDouble() * 2) - 1) * 0.2f),
        })];
        float[] query = [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        double expected = 0;
        for (int i = 0; i < n; i++)
        {
            expected += (double)(float)row[i] * query[i];
        }

        Assert.Equal(expected, HalfDot.Dot(row, query), Math.Max(1e-6, Math.Abs(expected) * 1e-5));
    }

    [Fact]
    public void Dot_NaNOrInfinityInTheRow_IsNotFinite()
    {
        Half[] row = [.. Enumerable.Repeat((Half)0.1f, 32)];
        float[] query = [.. Enumerable.Repeat(1f, 32)];
        row[5] = Half.NaN;
        Assert.True(float.IsNaN(HalfDot.Dot(row, query)));
        row[5] = Half.PositiveInfinity;
        Assert.True(float.IsPositiveInfinity(HalfDot.Dot(row, query)));
    }
}
