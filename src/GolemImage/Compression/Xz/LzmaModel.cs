namespace GolemImage.Compression.Xz
{
    /// <summary>
    /// The LZMA probability model as the LZMA specification lays it out: 11-bit probabilities adapted by 1/32,
    /// twelve coder states, and where each group of probabilities sits in one array. Shared by the encoder and
    /// the decoder so that both index the same model.
    /// </summary>
    internal static class LzmaModel
    {
        public const int ProbabilityBits = 11;
        public const int ProbabilityOne = 1 << ProbabilityBits;
        public const int ProbabilityInit = ProbabilityOne / 2;
        public const int MoveBits = 5;
        public const uint TopValue = 1u << 24;

        public const int States = 12;
        public const int PosStatesMax = 16;
        public const int LiteralStates = 7;
        public const int MatchMinLength = 2;
        public const int MatchMaxLength = 273;
        public const int LenStates = 4;
        public const int EndPosModelIndex = 14;
        public const int FullDistances = 128;
        public const int AlignBits = 4;
        public const int AlignSize = 16;

        // Offsets of each group in the probability array.
        public const int IsMatch = 0;
        public const int IsRep = IsMatch + (States * PosStatesMax);
        public const int IsRepG0 = IsRep + States;
        public const int IsRepG1 = IsRepG0 + States;
        public const int IsRepG2 = IsRepG1 + States;
        public const int IsRep0Long = IsRepG2 + States;
        public const int PosSlot = IsRep0Long + (States * PosStatesMax);
        public const int SpecPos = PosSlot + (LenStates << 6);
        public const int Align = SpecPos + FullDistances - EndPosModelIndex;
        public const int MatchLen = Align + AlignSize;
        public const int RepLen = MatchLen + LenCoderSize;
        public const int Literal = RepLen + LenCoderSize;

        // A length coder: choice, choice2, 16 low trees of 3 bits, 16 mid trees of 3 bits, one high tree of 8 bits.
        public const int LenChoice = 0;
        public const int LenChoice2 = 1;
        public const int LenLow = 2;
        public const int LenMid = LenLow + (PosStatesMax << 3);
        public const int LenHigh = LenMid + (PosStatesMax << 3);
        public const int LenCoderSize = LenHigh + 256;
        public const int LenLowSymbols = 8;
        public const int LenMidSymbols = 8;
        public const int LenHighSymbols = 256;

        /// <summary>The probability array's length for lc + lp (LZMA2 allows at most 4).</summary>
        public static int ProbabilityCount(int lcPlusLp) => Literal + (0x300 << lcPlusLp);

        public static int StateAfterLiteral(int state) => state < 4 ? 0 : state < 10 ? state - 3 : state - 6;

        public static int StateAfterMatch(int state) => state < LiteralStates ? 7 : 10;

        public static int StateAfterRep(int state) => state < LiteralStates ? 8 : 11;

        public static int StateAfterShortRep(int state) => state < LiteralStates ? 9 : 11;

        public static int LenState(int length) => length < LenStates + MatchMinLength ? length - MatchMinLength : LenStates - 1;
    }
}
