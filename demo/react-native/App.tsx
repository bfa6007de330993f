// Example app: draw a digit, the model in a hidden WebView predicts it. Two ways to ship the host page:
// served from your https origin (offline after the first visit), or bundled in the app (no server).
import { useCallback, useState } from 'react';
import { Button, SafeAreaView, StyleSheet, Text, View } from 'react-native';
import { ModelshipWebView, useModelship, type Prediction } from 'modelship/react-native';
import hostHtml from 'modelship/react-native/host-html';
import { DrawingPad } from './DrawingPad';
import { rasterize, type Stroke } from './rasterize';

const ORIGIN = 'https://models.example.com';
const MANIFEST_URL = `${ORIGIN}/models/mnist/manifest.json`;
/** true: the self-contained page inside the app; false: the page served at ORIGIN/react-native/. */
const BUNDLED = true;
const PAD = 280;

export default function App() {
  const { model, status, progress, info, error } = useModelship({
    manifestUrl: MANIFEST_URL,
    // The bundled page carries only the tfjs-cpu runtime; the served one picks the best for the device.
    loadOptions: BUNDLED ? { backends: ['tfjs-cpu'], worker: false } : {},
  });
  const [prediction, setPrediction] = useState<Prediction | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const [clearKey, setClearKey] = useState(0);

  const predict = useCallback(
    (strokes: Stroke[]) => {
      const controller = new AbortController();
      model.predict(rasterize(strokes, PAD), { signal: controller.signal, timeoutMs: 5_000 }).then(
        (result) => {
          setPrediction(result);
          setFailure(undefined);
        },
        (reason: Error & { code?: string }) => setFailure(`${reason.code ?? 'ERROR'}: ${reason.message}`),
      );
    },
    [model],
  );

  const loading =
    progress?.type === 'download' ? `downloading ${Math.round((100 * progress.overall.loaded) / progress.overall.total)}%` : (progress?.type ?? 'starting');
  return (
    <SafeAreaView style={styles.screen}>
      <ModelshipWebView model={model} source={BUNDLED ? { html: hostHtml, baseUrl: `${ORIGIN}/` } : { uri: `${ORIGIN}/react-native/` }} />
      <Text style={styles.title}>Draw a digit</Text>
      <Text style={styles.status}>
        {status === 'ready' && info
          ? `${info.name} ${info.version} · ${info.runtime} · ${info.variant}`
          : status === 'error'
            ? `Could not load: ${error?.message}`
            : loading}
      </Text>
      <DrawingPad size={PAD} clearKey={clearKey} onStrokesChange={predict} />
      <View style={styles.row}>
        <Button
          title="Clear"
          onPress={() => {
            setClearKey((k) => k + 1);
            setPrediction(undefined);
          }}
        />
      </View>
      <Text style={styles.digit}>{prediction ? prediction.label : '–'}</Text>
      {prediction && <Text style={styles.status}>{prediction.top.map((entry) => `${entry.label} ${(entry.score * 100).toFixed(1)}%`).join('   ')}</Text>}
      {failure && <Text style={styles.error}>{failure}</Text>}
    </SafeAreaView>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, alignItems: 'center', padding: 16, backgroundColor: '#f6f7f9' },
  title: { fontSize: 24, fontWeight: '600', marginVertical: 8 },
  status: { color: '#555', marginBottom: 12 },
  row: { flexDirection: 'row', marginVertical: 12 },
  digit: { fontSize: 72, fontWeight: '700' },
  error: { color: '#b00020', marginTop: 8 },
});
