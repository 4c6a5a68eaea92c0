/** One partition of one topic, as the group protocol and the assignors name it. */
export interface TopicPartition {
  topic: string;
  partition: number;
}
