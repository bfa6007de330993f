"""The CNN: conv 1→16, conv 16→32 (3x3, ReLU, 2x2 max-pool each), fc 1568→64, fc 64→10 (logits)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

C1, C2, HID = 16, 32, 64


class Net(nn.Module):
    def __init__(self, bn=True, c1=C1, c2=C2, hid=HID):
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(c1) if bn else nn.Identity()
        self.bn2 = nn.BatchNorm2d(c2) if bn else nn.Identity()
        self.fc1 = nn.Linear(c2 * 49, hid)
        self.fc2 = nn.Linear(hid, 10)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = self.drop(F.relu(self.fc1(torch.flatten(x, 1))))
        return self.fc2(x)


def fold(net):
    """Folds batch-norm into the convolutions; returns an eval-mode Net without BN (the deployed network)."""
    out = Net(bn=False, c1=net.conv1.out_channels, c2=net.conv2.out_channels, hid=net.fc1.out_features)
    sd = {k: v.clone() for k, v in net.state_dict().items() if not k.startswith('bn')}
    for c, b in (('conv1', net.bn1), ('conv2', net.bn2)):
        if isinstance(b, nn.BatchNorm2d):
            g = b.weight / torch.sqrt(b.running_var + b.eps)
            sd[c + '.weight'] = sd[c + '.weight'] * g.view(-1, 1, 1, 1)
            sd[c + '.bias'] = (sd[c + '.bias'] - b.running_mean) * g + b.bias
    out.load_state_dict(sd)
    return out.eval()
