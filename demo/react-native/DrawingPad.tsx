import { useMemo, useRef, useState } from 'react';
import { PanResponder, StyleSheet, View, type GestureResponderEvent } from 'react-native';
import type { Point, Stroke } from './rasterize';

export interface DrawingPadProps {
  size: number;
  /** Called when a stroke ends, with every stroke so far. */
  onStrokesChange: (strokes: Stroke[]) => void;
  /** Change it to clear the pad. */
  clearKey: number;
}

const DOT = 18;

const at = (event: GestureResponderEvent): Point => ({ x: event.nativeEvent.locationX, y: event.nativeEvent.locationY });

/** A square pad: finger strokes drawn as dots, reported on release. */
export function DrawingPad({ size, onStrokesChange, clearKey }: DrawingPadProps) {
  const [strokes, setStrokes] = useState<Stroke[]>([]);
  const current = useRef<Stroke>([]);
  const lastClear = useRef(clearKey);
  if (lastClear.current !== clearKey) {
    lastClear.current = clearKey;
    current.current = [];
    if (strokes.length > 0) setStrokes([]);
  }
  const responder = useMemo(
    () =>
      PanResponder.create({
        onStartShouldSetPanResponder: () => true,
        onMoveShouldSetPanResponder: () => true,
        onPanResponderGrant: (event) => {
          current.current = [at(event)];
          setStrokes((previous) => [...previous, current.current]);
        },
        onPanResponderMove: (event) => {
          current.current.push(at(event));
          setStrokes((previous) => [...previous.slice(0, -1), [...current.current]]);
        },
        onPanResponderRelease: () => {
          setStrokes((previous) => {
            onStrokesChange(previous);
            return previous;
          });
        },
      }),
    [onStrokesChange],
  );
  return (
    <View style={[styles.pad, { width: size, height: size }]} {...responder.panHandlers}>
      {strokes.flatMap((stroke, s) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: strokes and their points are only ever appended, so positions are stable keys
        stroke.map((point, p) => <View key={`${s}-${p}`} pointerEvents="none" style={[styles.dot, { left: point.x - DOT / 2, top: point.y - DOT / 2 }]} />),
      )}
    </View>
  );
}

const styles = StyleSheet.create({
  pad: { backgroundColor: '#000', borderRadius: 8, overflow: 'hidden' },
  dot: { position: 'absolute', width: DOT, height: DOT, borderRadius: DOT / 2, backgroundColor: '#fff' },
});
