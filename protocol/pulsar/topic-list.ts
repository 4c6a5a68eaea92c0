// The commands a pattern consumer uses to learn a namespace's topics: GET_TOPICS_OF_NAMESPACE
// (one answer) and the topic-list watch (PIP-145: WATCH_TOPIC_LIST, then WATCH_TOPIC_UPDATEs).
import { encodeCommandFrame } from './frame';
import { CommandType, TopicsMode } from './proto';

export { TopicsMode };

// GET_TOPICS_OF_NAMESPACE: request_id, namespace, mode, topics_pattern, topics_hash (unchanged lists come back empty with changed=false)
export function getTopicsOfNamespaceFrame(
  requestId: number,
  namespace: string,
  mode: TopicsMode,
  topicsPattern: string,
  topicsHash?: string,
): Buffer {
  return encodeCommandFrame({
    type: CommandType.GET_TOPICS_OF_NAMESPACE,
    getTopicsOfNamespace: { requestId, namespace, mode, topicsPattern, topicsHash },
  });
}

// WATCH_TOPIC_LIST: request_id, watcher_id, namespace, topics_pattern, topics_hash (only when re-registering)
export function watchTopicListFrame(
  requestId: number,
  watcherId: number,
  namespace: string,
  topicsPattern: string,
  topicsHash?: string,
): Buffer {
  return encodeCommandFrame({
    type: CommandType.WATCH_TOPIC_LIST,
    watchTopicList: { requestId, watcherId, namespace, topicsPattern, topicsHash },
  });
}

// WATCH_TOPIC_LIST_CLOSE: request_id, watcher_id (answered with SUCCESS)
export function watchTopicListCloseFrame(requestId: number, watcherId: number): Buffer {
  return encodeCommandFrame({ type: CommandType.WATCH_TOPIC_LIST_CLOSE, watchTopicListClose: { requestId, watcherId } });
}
