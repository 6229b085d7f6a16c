package io.github.s3migration;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.BlobMetadata;
import org.jclouds.blobstore.domain.MultipartPart;
import org.jclouds.blobstore.domain.MultipartUpload;
import org.jclouds.blobstore.domain.PageSet;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.domain.StorageType;
import org.jclouds.blobstore.domain.Tier;
import org.jclouds.blobstore.domain.internal.PageSetImpl;
import org.jclouds.blobstore.domain.internal.StorageMetadataImpl;
import org.jclouds.blobstore.options.CopyOptions;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.jclouds.blobstore.options.PutOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;

/**
 * Answers flat listings from a sorted in-memory index of the keys written through it, one page in time proportional
 * to the page (as S3 does), instead of S3Proxy's stores, which read every object of the bucket for each page. Without
 * it a bucket of a million objects takes hours to list. Listings with a delimiter go to the store itself.
 * The store must start empty: only writes through this wrapper are indexed.
 */
final class IndexedListingBlobStore extends ForwardingBlobStore {

    private record IndexedObject(long size, String eTag, Date lastModified) {
    }

    private final Map<String, NavigableMap<String, IndexedObject>> containers = new ConcurrentHashMap<>();

    IndexedListingBlobStore(BlobStore store) {
        super(store);
    }

    private NavigableMap<String, IndexedObject> index(String container) {
        return containers.computeIfAbsent(container, name -> new ConcurrentSkipListMap<>());
    }

    private void indexStored(String container, String name) {
        BlobMetadata stored = delegate().blobMetadata(container, name);
        index(container).put(name, new IndexedObject(stored.getSize(), stored.getETag(), stored.getLastModified()));
    }

    @Override
    public PageSet<? extends StorageMetadata> list(String container, ListContainerOptions options) {
        if (!options.isRecursive() || options.getDelimiter() != null) {
            return delegate().list(container, options);
        }
        String prefix = options.getPrefix() == null ? "" : options.getPrefix();
        String marker = options.getMarker();
        int maxResults = options.getMaxResults() == null ? 1000 : options.getMaxResults();
        NavigableMap<String, IndexedObject> index = index(container);
        NavigableMap<String, IndexedObject> range = marker == null || marker.compareTo(prefix) < 0
                ? index.tailMap(prefix, true) : index.tailMap(marker, false);
        List<StorageMetadata> page = new ArrayList<>();
        String nextMarker = null;
        for (Map.Entry<String, IndexedObject> entry : range.entrySet()) {
            if (!entry.getKey().startsWith(prefix)) {
                break;
            }
            if (page.size() == maxResults) {
                nextMarker = page.get(page.size() - 1).getName();
                break;
            }
            IndexedObject object = entry.getValue();
            page.add(new StorageMetadataImpl(StorageType.BLOB, null, entry.getKey(), null, null, object.eTag(),
                    null, object.lastModified(), Map.of(), object.size(), Tier.STANDARD));
        }
        return new PageSetImpl<>(page, nextMarker);
    }

    @Override
    public String putBlob(String container, Blob blob) {
        return putBlob(container, blob, PutOptions.NONE);
    }

    @Override
    public String putBlob(String container, Blob blob, PutOptions options) {
        String eTag = delegate().putBlob(container, blob, options);
        indexStored(container, blob.getMetadata().getName());
        return eTag;
    }

    @Override
    public String copyBlob(String fromContainer, String fromName, String toContainer, String toName,
            CopyOptions options) {
        String eTag = delegate().copyBlob(fromContainer, fromName, toContainer, toName, options);
        indexStored(toContainer, toName);
        return eTag;
    }

    @Override
    public String completeMultipartUpload(MultipartUpload upload, List<MultipartPart> parts) {
        String eTag = delegate().completeMultipartUpload(upload, parts);
        indexStored(upload.containerName(), upload.blobName());
        return eTag;
    }

    @Override
    public void removeBlob(String container, String name) {
        delegate().removeBlob(container, name);
        index(container).remove(name);
    }

    @Override
    public void removeBlobs(String container, Iterable<String> names) {
        names.forEach(name -> removeBlob(container, name));
    }

    @Override
    public void clearContainer(String container) {
        delegate().clearContainer(container);
        index(container).clear();
    }

    @Override
    public void clearContainer(String container, ListContainerOptions options) {
        throw new UnsupportedOperationException("not indexed");
    }

    @Override
    public void deleteContainer(String container) {
        delegate().deleteContainer(container);
        containers.remove(container);
    }

    @Override
    public boolean deleteContainerIfEmpty(String container) {
        boolean deleted = delegate().deleteContainerIfEmpty(container);
        if (deleted) {
            containers.remove(container);
        }
        return deleted;
    }

    @Override
    public void deleteDirectory(String container, String directory) {
        throw new UnsupportedOperationException("not indexed");
    }
}
