namespace ModelGen.Cli.Verify;

/// <summary>Receives the progress of a verification; byte counts are cumulative over the whole checkpoint.</summary>
internal interface IVerifyProgress
{
    void Started(long totalBytes, int fileCount);

    void Advanced(long bytesDone);

    void FileCompleted(int fileNumber, string fileName, long bytesDone);

    void Finished(long bytesDone);
}
