package io.github.s3migration;

/**
 * What the credentials may do in the target bucket, as the pre-flight found it. Without s3:ListBucket, S3 refuses a
 * listing and answers a HEAD of a missing key with 403 instead of 404: the existence check then asks each row with a
 * HEAD and reads that 403 as "no object", which holds once the pre-flight has read its own probe object back (so a 403
 * is not a missing s3:GetObject).
 */
public final class TargetAccess {

    private static final int NONE = -1;

    private volatile boolean listingDenied;

    void listingDenied() {
        listingDenied = true;
    }

    boolean canList() {
        return !listingDenied;
    }

    /** The status, besides 404, with which a HEAD says that no object is at a key: 403 without s3:ListBucket. */
    public int missingKeyStatus() {
        return listingDenied ? 403 : NONE;
    }
}
