// The self-contained host page (dist/react-native/host-html.js, built by scripts/build-react-native-host.mjs).
declare const hostHtml: string;
export default hostHtml;
